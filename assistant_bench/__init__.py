"""The benchmark: how fast, how accurate and how heavy the assistant is on this machine.

`assistant bench` and `scripts/benchmark.py` run it (options in `cli`). Parts, one
module each: `turns` (spoken turns through the test-mode pipeline: latency per
stage), `chat` (chat models side by side), `asr` (recognizers: word error rate and
real-time factor), `wakeword` (detection rate and false accepts), `process` (cold
start and peak memory in child processes); `results` and `report` turn measurements
into figures, tables and a chart; `suite` runs the parts in order.
"""
