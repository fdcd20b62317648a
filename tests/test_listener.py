"""The listener's state machine, driven by fake engines (no models)."""

from __future__ import annotations

from assistant.config import BargeIn
from assistant.loop.events import (
    Completeness,
    InputKind,
    Interrupt,
    ListenTimeout,
    SpeechStarted,
    UserTurn,
    UtteranceEnded,
    WakeDetected,
)
from assistant.loop.listener import Listener, ListenerSettings, State
from tests.fakes import FakeRecognizer, FakeVad, FakeWake, blocks, sound


def make(settings: ListenerSettings | None = None, *, wake: bool = True,
         is_complete=None, read_ahead=None):  # type: ignore[no-untyped-def]
    events: list[object] = []
    recognizer = FakeRecognizer()
    listener = Listener(recognizer=recognizer, vad=FakeVad(), wake=FakeWake() if wake else None,
                        settings=settings or ListenerSettings(), emit=events.append,
                        is_complete=is_complete, read_ahead=read_ahead)
    return listener, events, recognizer


def ended(events: list[object]) -> UtteranceEnded:
    """The last `UtteranceEnded` (the fake recognizer's `UserTurn` follows it at once)."""
    found = [e for e in events if isinstance(e, UtteranceEnded)]
    assert found, f"no utterance ended: {kinds(events)}"
    return found[-1]


def feed(listener: Listener, *parts: tuple[str, int]) -> None:
    for kind, ms in parts:
        for block in blocks(sound(kind, ms)):
            listener.process(block)


def kinds(events: list[object]) -> list[str]:
    return [type(e).__name__ for e in events]


def test_wake_word_then_speech_makes_an_utterance() -> None:
    listener, events, recognizer = make()
    feed(listener, ("silence", 300), ("wake", 600), ("silence", 300), ("speech", 1200),
         ("silence", 600))
    assert kinds(events) == ["WakeDetected", "SpeechStarted", "UtteranceEnded", "UserTurn"]
    utterance = ended(events)
    turn = events[-1]
    assert isinstance(turn, UserTurn) and turn.kind is InputKind.SPEECH
    assert turn.text == "what time is it" and turn.turn == utterance.turn and turn.wake
    assert abs(turn.eos_delay_ms - 1000 * (utterance.decided_s - utterance.speech_end_s)) < 1
    assert utterance.wake and not utterance.follow_up and not utterance.truncated
    # speech ended at 2.4 s; the decision came after 500 ms of silence
    assert abs(utterance.speech_end_s - 2.4) < 0.07
    assert 0.45 <= utterance.decided_s - utterance.speech_end_s <= 0.56
    assert listener.state is State.BUSY
    assert recognizer.streams[0].accepted_ms >= 1200


def test_speech_without_the_wake_word_is_ignored() -> None:
    listener, events, _ = make()
    feed(listener, ("speech", 1500), ("silence", 1000))
    assert events == []
    assert listener.state is State.IDLE


def test_nobody_speaks_after_the_wake_word() -> None:
    settings = ListenerSettings(no_speech_timeout_ms=2000)
    listener, events, _ = make(settings)
    feed(listener, ("wake", 600), ("silence", 2500))
    assert kinds(events) == ["WakeDetected", "ListenTimeout"]
    timeout = events[-1]
    assert isinstance(timeout, ListenTimeout) and not timeout.follow_up
    assert listener.state is State.IDLE


def test_follow_up_inside_the_window_needs_no_wake_word() -> None:
    listener, events, _ = make(ListenerSettings(follow_up_ms=3000))
    feed(listener, ("wake", 600), ("speech", 800), ("silence", 600))
    first = ended(events)
    listener.reply_finished(first.turn, True)
    assert listener.state is State.AWAKE
    feed(listener, ("silence", 1000), ("speech", 800), ("silence", 600))
    second = ended(events)
    assert second.turn == first.turn + 1 and second.follow_up and not second.wake


def test_follow_up_after_the_window_is_ignored() -> None:
    listener, events, _ = make(ListenerSettings(follow_up_ms=2000))
    feed(listener, ("wake", 600), ("speech", 800), ("silence", 600))
    listener.reply_finished(events[-1].turn, True)  # type: ignore[attr-defined]
    feed(listener, ("silence", 2500))
    assert isinstance(events[-1], ListenTimeout) and events[-1].follow_up
    count = len(events)
    feed(listener, ("speech", 800), ("silence", 600))
    assert len(events) == count
    assert listener.state is State.IDLE


def test_no_follow_up_after_a_control_phrase() -> None:
    listener, events, _ = make()
    feed(listener, ("wake", 600), ("speech", 500), ("silence", 600))
    listener.reply_finished(events[-1].turn, False)  # type: ignore[attr-defined]
    assert listener.state is State.IDLE


def test_wake_word_while_busy_interrupts_the_reply() -> None:
    listener, events, recognizer = make(ListenerSettings(barge_in_hint="Stop. Cancel.",
                                                         hint="Turn on the lamp."))
    feed(listener, ("wake", 600), ("speech", 800), ("silence", 600))
    busy_turn = events[-1].turn  # type: ignore[attr-defined]
    feed(listener, ("speech", 500))  # the assistant's own voice or anyone talking: ignored
    assert listener.state is State.BUSY
    feed(listener, ("wake", 600), ("silence", 300), ("speech", 500), ("silence", 600))
    names = kinds(events)
    assert names[4:] == ["Interrupt", "WakeDetected", "SpeechStarted", "UtteranceEnded",
                         "UserTurn"]
    assert isinstance(events[4], Interrupt)
    wake = events[5]
    assert isinstance(wake, WakeDetected) and wake.barge_in
    # the recognizer is told what is likely right after an interruption (the language's)
    # last: a hint too long for Whisper loses its front
    assert recognizer.streams[-1].hint == "Turn on the lamp. Stop. Cancel."
    # the interrupted turn's late "finished" no longer changes anything
    listener.reply_finished(busy_turn, True)
    assert listener.state is State.BUSY


def test_barge_in_off_keeps_talking() -> None:
    listener, events, _ = make(ListenerSettings(barge_in=BargeIn.OFF))
    feed(listener, ("wake", 600), ("speech", 800), ("silence", 600), ("wake", 600),
         ("silence", 300))
    assert "Interrupt" not in kinds(events)
    assert listener.state is State.BUSY


def test_any_speech_interrupts_when_configured() -> None:
    listener, events, _ = make(ListenerSettings(barge_in=BargeIn.SPEECH))
    feed(listener, ("wake", 600), ("speech", 800), ("silence", 600), ("speech", 500))
    assert "Interrupt" in kinds(events)


def test_a_click_is_not_an_utterance() -> None:
    listener, events, _ = make(ListenerSettings(min_speech_ms=150))
    feed(listener, ("wake", 600), ("silence", 400), ("speech", 60), ("silence", 700))
    assert "UtteranceEnded" not in kinds(events)
    assert listener.state is State.AWAKE
    feed(listener, ("speech", 600), ("silence", 600))
    assert kinds(events)[-2:] == ["UtteranceEnded", "UserTurn"]


def test_coughs_do_not_keep_the_follow_up_window_open() -> None:
    listener, events, _ = make(ListenerSettings(follow_up_ms=2000, min_speech_ms=150))
    feed(listener, ("wake", 600), ("speech", 800), ("silence", 600))
    listener.reply_finished(events[-1].turn, True)  # type: ignore[attr-defined]
    for _ in range(4):  # a click every 700 ms, for longer than the window
        feed(listener, ("speech", 60), ("silence", 640))
    assert isinstance(events[-1], ListenTimeout) and listener.state is State.IDLE
    count = len(events)
    feed(listener, ("speech", 800), ("silence", 600))
    assert len(events) == count  # no request without the wake word any more


def test_the_end_of_the_wake_word_is_not_the_request() -> None:
    listener, events, recognizer = make(ListenerSettings(wake_tail_ms=300))
    # the detector fires at the end of the WAKE run; the next 200 ms are still its tail
    feed(listener, ("wake", 600), ("speech", 200), ("silence", 300), ("speech", 800),
         ("silence", 600))
    started = [e for e in events if isinstance(e, SpeechStarted)]
    assert len(started) == 1 and started[0].at_s >= 1.09
    assert recognizer.streams[0].accepted_ms < 800 + 250 + 300


def test_speech_barge_in_survives_short_gaps() -> None:
    listener, events, _ = make(ListenerSettings(barge_in=BargeIn.SPEECH, barge_in_speech_ms=300))
    feed(listener, ("wake", 600), ("speech", 800), ("silence", 600))
    for _ in range(3):  # talking, with the small gaps of real speech
        feed(listener, ("speech", 150), ("silence", 40))
    assert "Interrupt" in kinds(events)


def test_the_longest_utterance_is_cut() -> None:
    listener, events, _ = make(ListenerSettings(max_utterance_ms=2000))
    feed(listener, ("wake", 600), ("speech", 3000))
    assert ended(events).truncated


def test_decoding_starts_at_the_pause_and_trailing_silence_is_held_back() -> None:
    settings = ListenerSettings(predecode_ms=200, silence_ms=500)
    listener, events, recognizer = make(settings)
    feed(listener, ("wake", 600), ("silence", 300), ("speech", 900), ("silence", 600))
    stream = recognizer.streams[-1]
    assert stream.prepared_at_ms is not None
    # nothing was fed after the early decode: it is the final result
    assert stream.prepared_at_ms == stream.accepted_ms
    assert stream.accepted_ms < 900 + 250 + 300 + 100


def test_speech_after_a_pause_invalidates_the_early_decode() -> None:
    listener, events, recognizer = make(ListenerSettings(predecode_ms=200, silence_ms=500))
    feed(listener, ("wake", 600), ("silence", 300), ("speech", 600), ("silence", 300),
         ("speech", 600), ("silence", 600))
    stream = recognizer.streams[-1]
    assert stream.accepted_ms >= 600 + 300 + 600
    assert stream.prepared_at_ms == stream.accepted_ms
    assert kinds(events).count("UtteranceEnded") == 1


def test_early_cut_when_the_command_is_complete() -> None:
    settings = ListenerSettings(predecode_ms=150, silence_ms=800, early_cut_ms=250)
    listener, events, _ = make(settings, is_complete=lambda text: Completeness.COMMAND)
    feed(listener, ("wake", 600), ("silence", 300), ("speech", 900), ("silence", 900))
    utterance = ended(events)
    assert 0.25 <= utterance.decided_s - utterance.speech_end_s < 0.3


def test_a_question_is_cut_a_little_later() -> None:
    settings = ListenerSettings(predecode_ms=100, silence_ms=800, early_cut_ms=150,
                                question_cut_ms=350)
    listener, events, _ = make(settings, is_complete=lambda text: Completeness.QUESTION)
    feed(listener, ("wake", 600), ("silence", 300), ("speech", 900), ("silence", 900))
    utterance = ended(events)
    assert 0.35 <= utterance.decided_s - utterance.speech_end_s < 0.4


def test_a_question_is_read_ahead_once_while_its_silence_runs_out() -> None:
    settings = ListenerSettings(predecode_ms=100, silence_ms=800, early_cut_ms=150,
                                question_cut_ms=350)
    read: list[tuple[str, int]] = []
    listener, events, _ = make(settings, is_complete=lambda text: Completeness.QUESTION,
                               read_ahead=lambda text, wake: read.append((text, len(events))))
    feed(listener, ("wake", 600), ("silence", 300), ("speech", 900), ("silence", 900))
    # once, with the early transcript, before the utterance ended
    assert read == [("what time is it", 2)] and kinds(events)[:2] == ["WakeDetected",
                                                                       "SpeechStarted"]
    assert "UtteranceEnded" in kinds(events)
    listener.reply_finished(events[-1].turn, False)  # type: ignore[attr-defined]
    feed(listener, ("silence", 300), ("wake", 600), ("silence", 300), ("speech", 900),
         ("silence", 900))  # the same question again: read again
    assert [text for text, _ in read] == ["what time is it"] * 2


def test_commands_and_unfinished_sentences_are_not_read_ahead() -> None:
    settings = ListenerSettings(predecode_ms=150, silence_ms=800, early_cut_ms=250)
    for kind in (Completeness.COMMAND, None):
        read: list[str] = []
        listener, _, _ = make(settings, is_complete=lambda text, k=kind: k,
                              read_ahead=lambda text, wake, seen=read: seen.append(text))
        feed(listener, ("wake", 600), ("silence", 300), ("speech", 900), ("silence", 900))
        assert read == []


def test_no_early_cut_for_an_unfinished_sentence() -> None:
    settings = ListenerSettings(predecode_ms=150, silence_ms=800, early_cut_ms=250)
    listener, events, _ = make(settings, is_complete=lambda text: None)
    feed(listener, ("wake", 600), ("silence", 300), ("speech", 900), ("silence", 900))
    utterance = ended(events)
    assert utterance.decided_s - utterance.speech_end_s >= 0.78


def test_without_a_wake_word_every_utterance_counts() -> None:
    listener, events, _ = make(wake=False)
    assert listener.state is State.AWAKE
    feed(listener, ("silence", 3000), ("speech", 700), ("silence", 600))
    assert kinds(events) == ["SpeechStarted", "UtteranceEnded", "UserTurn"]
    listener.reply_finished(events[-1].turn, False)  # type: ignore[attr-defined]
    assert listener.state is State.AWAKE


def test_a_typed_turn_is_answered_like_speech() -> None:
    listener, events, _ = make()
    turn = listener.typed_turn("what time is it", wake=True)
    typed = events[-1]
    assert isinstance(typed, UserTurn) and typed.kind is InputKind.TEXT
    assert typed.turn == turn and typed.wake and typed.text == "what time is it"
    assert listener.state is State.BUSY
    listener.reply_finished(turn, False)
    assert listener.state is State.IDLE


def test_speech_started_reports_the_onset() -> None:
    listener, events, _ = make()
    feed(listener, ("wake", 600), ("silence", 400), ("speech", 600), ("silence", 600))
    started = [e for e in events if isinstance(e, SpeechStarted)][0]
    assert 0.95 <= started.at_s <= 1.05
