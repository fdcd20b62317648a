"""Infrastructure the engines share: fair queues between sessions (`fair`), a bounded
producer/consumer hand-off (`handoff`) and how many CPU threads each engine gets (`threads`)."""
