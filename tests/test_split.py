"""The split recognizer: the early (hinted) transcript for commands, the final recognizer's
for everything else, decided by the router's command check; and the listener using it."""

from __future__ import annotations

from assistant.engines.stt.split import SplitStream
from assistant.loop.events import Completeness, UserTurn
from assistant.loop.listener import Listener, ListenerSettings
from tests.fakes import FakeRecognizer, FakeVad, blocks, sound

COMMAND = "turn on the light"


def is_complete(text: str) -> Completeness | None:
    return Completeness.COMMAND if text == COMMAND else Completeness.QUESTION


def listen(early_text: str, final_text: str, *, early_cut_ms: int = 0,
           ) -> tuple[list[object], FakeRecognizer, FakeRecognizer]:
    events: list[object] = []
    early, final = FakeRecognizer(early_text), FakeRecognizer(final_text)
    settings = ListenerSettings(wake_enabled=False, hint="lights, timers",
                                early_cut_ms=early_cut_ms)
    listener = Listener(recognizer=early, vad=FakeVad(), wake=None, settings=settings,
                        emit=events.append, is_complete=is_complete, final=final)
    for kind, ms in (("silence", 300), ("speech", 1200), ("silence", 700)):
        for block in blocks(sound(kind, ms)):
            listener.process(block)
    return events, early, final


def turns(events: list[object]) -> list[str]:
    return [e.text for e in events if isinstance(e, UserTurn)]


def test_a_command_keeps_the_early_transcript() -> None:
    events, early, final = listen(COMMAND, "turn on the lamp")
    assert turns(events) == [COMMAND]
    assert early.streams[0].hint == "lights, timers"


def test_anything_else_is_written_by_the_final_recognizer_without_the_hint() -> None:
    events, early, final = listen("what is the capital of friends",
                                  "What is the capital of France?")
    assert turns(events) == ["What is the capital of France?"]
    assert final.streams[0].hint is None
    # both heard the whole utterance
    assert final.streams[0].accepted_ms == early.streams[0].accepted_ms >= 1200


def test_nothing_heard_early_needs_no_second_decode() -> None:
    early, final = FakeRecognizer(""), FakeRecognizer(script=["words", "more"])
    split = SplitStream(early.stream(), final.stream(), keep_early=lambda text: False)
    split.accept(sound("speech", 300))
    assert split.finish().result().text == ""
    assert final.next_text == "words"  # the final stream was never finished


def test_a_failing_command_check_fails_the_transcript_not_the_thread() -> None:
    def broken(text: str) -> bool:
        raise RuntimeError("no")

    split = SplitStream(FakeRecognizer("x").stream(), FakeRecognizer("y").stream(),
                        keep_early=broken)
    assert isinstance(split.finish().exception(), RuntimeError)


def test_a_finished_question_starts_the_final_decode_at_the_pause() -> None:
    events, early, final = listen("What is the capital of France?", "What is the capital "
                                  "of France?", early_cut_ms=150)
    assert turns(events) == ["What is the capital of France?"]
    assert final.streams[0].prepared_at_ms == early.streams[0].prepared_at_ms is not None


def test_a_command_never_starts_the_final_decode() -> None:
    events, early, final = listen(COMMAND, "turn on the lamp", early_cut_ms=150)
    assert turns(events) == [COMMAND]
    assert early.streams[0].prepared_at_ms is not None
    assert final.streams[0].prepared_at_ms is None
