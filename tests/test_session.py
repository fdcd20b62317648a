"""The whole session (listener, responder, speaker, router, test-mode driver) on fake engines."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from assistant.loop.clock import StreamClock
from assistant.loop.listener import ListenerSettings
from assistant.loop.router import ChatSettings
from assistant.loop.session import Session, SessionSettings
from assistant.loop.shared import Engines
from assistant.testmode.runner import CaptureSink, ScriptRunner
from assistant.testmode.script import Script, parse_script
from tests import building
from tests.fakes import (
    FakeChat,
    FakeRecognizer,
    FakeSkills,
    FakeSkillsEngine,
    FakeVadModel,
    FakeVoice,
    FakeWake,
    FakeWakeModel,
    InstantSink,
)
from tests.waiting import eventually


def fake_engines(*, texts: list[str] = (), chat: FakeChat | None = None,  # type: ignore[assignment]
                 skills: FakeSkills | None = None, voice: FakeVoice | None = None,
                 unsure: tuple[str, ...] = ()) -> Engines:
    return Engines(language=building.language("en"),
                   recognizer=FakeRecognizer(script=texts, unsure=unsure), vad=FakeVadModel(),
                   wake=FakeWakeModel(), voice=voice or FakeVoice(), chat=chat or FakeChat(),
                   skills=FakeSkillsEngine(skills or FakeSkills()))  # type: ignore[arg-type]


def settings(listener: ListenerSettings | None = None) -> SessionSettings:
    return SessionSettings(chat=ChatSettings(system_prompt="Be brief.", max_reply_tokens=50),
                           listener=listener or ListenerSettings(), memory_tokens=500)


def run(turns: list[dict[str, Any]], tmp_path: Path, *, texts: list[str] = (),  # type: ignore[assignment]
        chat: FakeChat | None = None, skills: FakeSkills | None = None,
        voice: FakeVoice | None = None, settings: ListenerSettings | None = None,
        unsure: tuple[str, ...] = ()) -> tuple[list[dict[str, Any]], Session]:
    voice = voice or FakeVoice()
    engines = fake_engines(texts=texts, chat=chat, skills=skills, voice=voice, unsure=unsure)
    sink = CaptureSink(16000)
    clock = StreamClock()
    session = Session(engines, sink=sink, clock=clock, settings=globals()["settings"](settings))
    script: Script = parse_script({"turns": turns}, path=tmp_path / "script.yaml")
    with engines, session:
        runner = ScriptRunner(session, sink, clock, voices=lambda name: voice,
                              out_dir=tmp_path, wake_phrase=FakeWake.phrase)
        rows = runner.run(script)
    return rows, session


def test_a_spoken_question_goes_to_the_chat_model(tmp_path: Path) -> None:
    rows, _ = run([{"say": "capital of France?", "expect": {"route": "llm",
                                                         "reply_contains": "paris"}}],
                  tmp_path, texts=["what is the capital of France"])
    row = rows[0]
    assert row["ok"], row["failures"]
    assert row["wake_detected"] and row["transcript"] == "what is the capital of France"
    assert row["reply"] == "Paris is the capital. It is in France."
    assert Path(row["reply_audio"]).is_file()
    latency = row["latency_ms"]
    assert latency["end_of_speech_to_first_audio"] >= latency["eos_delay"] > 0
    assert latency["first_token"] is not None and latency["first_audio"] is not None


def test_a_command_goes_to_its_skill(tmp_path: Path) -> None:
    rows, _ = run([{"say": "what time is it", "expect": {"route": "skill",
                                                      "intent": "GetTime"}}],
                  tmp_path, texts=["what time is it"])
    assert rows[0]["ok"], rows[0]["failures"]
    assert rows[0]["reply"] == "It is noon."


def test_no_wake_word_no_reply(tmp_path: Path) -> None:
    rows, _ = run([{"say": "hello", "wake": False, "expect": {"route": "none",
                                                           "wake_detected": False}}],
                  tmp_path, texts=["hello"])
    assert rows[0]["ok"], rows[0]["failures"]
    assert rows[0]["reply"] == "" and rows[0]["reply_audio"] is None


def test_silence_and_noise_turns_give_no_reply(tmp_path: Path) -> None:
    rows, _ = run([{"silence_ms": 2000, "expect": {"route": "none"}},
                   {"noise_ms": 2000, "expect": {"route": "none"}}], tmp_path)
    assert all(row["ok"] for row in rows)


def test_follow_up_inside_the_window_and_ignored_after_it(tmp_path: Path) -> None:
    turns = [
        {"say": "capital of France", "pause_ms": 500},
        {"say": "and its size", "wake": False, "pause_ms": 7000,
         "expect": {"route": "llm", "wake_detected": False}},
        {"say": "and its age", "wake": False, "expect": {"route": "none"}},
    ]
    chat = FakeChat()
    rows, _ = run(turns, tmp_path, texts=["capital of France", "and its size", "and its age"],
                  chat=chat, settings=ListenerSettings(follow_up_ms=4000))
    assert [row["ok"] for row in rows] == [True, True, True], [r["failures"] for r in rows]
    # the follow-up reached the chat model with the first exchange in memory
    assert [m.content for m in chat.prompts[1]][1:3] == [
        "capital of France", "Paris is the capital. It is in France."]


def test_speech_not_heard_clearly_is_asked_again_and_never_routed(tmp_path: Path) -> None:
    turns = [
        {"say": "mumble", "pause_ms": 500,
         "expect": {"route": "unclear", "reply_contains": "didn't catch that"}},
        {"say": "capital of France", "wake": False, "expect": {"route": "llm"}},
        {"text": "what time is it", "expect": {"route": "skill"}},
    ]
    chat, skills = FakeChat(), FakeSkills()
    rows, _ = run(turns, tmp_path, texts=["turn off the lights", "capital of France"],
                  chat=chat, skills=skills, unsure=("turn off the lights", "what time is it"),
                  settings=ListenerSettings(follow_up_ms=4000, min_confidence=0.5))
    assert [row["ok"] for row in rows] == [True, True, True], [r["failures"] for r in rows]
    assert rows[0]["transcript"] == "turn off the lights"
    assert rows[0]["reply"] == "Sorry, I didn't catch that."
    # neither routed (no skill ran, no chat model prompt) nor remembered
    assert len(chat.prompts) == 1
    assert [m.content for m in chat.prompts[0]][1:] == ["capital of France"]


def test_the_confidence_check_is_off_at_zero(tmp_path: Path) -> None:
    rows, _ = run([{"say": "mumble", "expect": {"route": "llm"}}], tmp_path,
                  texts=["capital of France"], unsure=("capital of France",))
    assert rows[0]["ok"], rows[0]["failures"]


def test_wake_word_and_stop_during_a_reply(tmp_path: Path) -> None:
    slow = FakeChat(" ".join(["Once upon a time there was a dragon."] * 30),
                              delay_s=0.01)
    turns = [{"say": "tell me a story", "expect": {"route": "llm", "interrupted": True}},
             {"say": "stop", "barge_in": True, "barge_in_after_ms": 500,
              "expect": {"route": "control", "wake_detected": True}}]
    rows, _ = run(turns, tmp_path, texts=["tell me a story", "stop"], chat=slow)
    assert [row["ok"] for row in rows] == [True, True], [r["failures"] for r in rows]
    assert len(rows[0]["reply"]) < len(slow.answer)
    # an interrupted answer is not kept for follow-ups
    assert len(slow.prompts) == 1


def test_failing_expectations_are_reported(tmp_path: Path) -> None:
    rows, _ = run([{"text": "capital of France", "expect": {"route": "skill",
                                                          "reply_contains": "berlin"}}],
                  tmp_path)
    row = rows[0]
    assert not row["ok"]
    assert any("route: expected skill, got llm" in f for f in row["failures"])
    assert any("'berlin' not in reply" in f for f in row["failures"])


def test_a_timer_announcement_is_spoken_while_idle(tmp_path: Path) -> None:
    skills = FakeSkills(announce_at_s=1.0)
    rows, _ = run([{"silence_ms": 3000, "expect": {"announcement_contains": "timer"}}],
                  tmp_path, skills=skills)
    assert rows[0]["ok"], rows[0]["failures"]
    assert rows[0]["reply_audio"] is not None


def test_a_timer_announcement_during_a_reply_is_spoken_between_sentences(tmp_path: Path) -> None:
    skills = FakeSkills(announce_at_s=2.5)
    chat = FakeChat(" ".join(f"Sentence number {i}." for i in range(40)), delay_s=0.005)
    voice = FakeVoice()
    rows, _ = run([{"say": "tell me something long",
                    "expect": {"announcement_contains": "timer", "route": "llm"}}],
                  tmp_path, texts=["tell me something long"], chat=chat, skills=skills,
                  voice=voice)
    assert rows[0]["ok"], rows[0]["failures"]
    spoken = voice.spoken
    at = spoken.index("Your timer is done.")
    assert 0 < at < len(spoken) - 1  # in the middle of the reply, not after it


def test_one_failing_sentence_does_not_silence_the_rest(tmp_path: Path) -> None:
    voice = FakeVoice(fail_on="first")
    chat = FakeChat("This is the first one. This is the second one. And the third.")
    rows, session = run([{"text": "talk"}], tmp_path, chat=chat, voice=voice)
    assert voice.spoken == ["This is the second one.", "And the third."]
    assert session.speaker.failures == 1
    assert rows[0]["reply"].startswith("This is the first one.")


def test_no_thread_outlives_close(tmp_path: Path) -> None:
    before = set(threading.enumerate())
    run([{"text": "capital of France"}, {"say": "what time is it"}], tmp_path,
        texts=["what time is it"])
    left = [t.name for t in set(threading.enumerate()) - before if t.is_alive()]
    assert not left, f"threads still running after close: {left}"


def test_an_interrupt_before_the_answer_starts_cancels_it(tmp_path: Path) -> None:
    engines = fake_engines()
    session = Session(engines, sink=CaptureSink(16000), clock=StreamClock(),
                      settings=settings())
    finished: list[object] = []
    session.observe(lambda event: finished.append(getattr(event, "result", None)))
    session.submit_text("tell me a story")  # queued, not answered: the session is not started
    session.responder.interrupt()  # the wake word came first
    done = threading.Event()
    session.observe(lambda event: done.set() if getattr(event, "result", None) else None)
    with engines, session:
        assert done.wait(10)
    results = [r for r in finished if r is not None]
    assert len(results) == 1 and results[0].interrupted  # type: ignore[attr-defined]


def test_sessions_share_the_engines_and_take_turns_on_the_voice(tmp_path: Path) -> None:
    """A command in one room is spoken after the sentence of another room's long answer
    that is being synthesized, not after the whole answer (the voice's queue takes turns
    between sessions)."""
    story = " ".join(f"Sentence number {i} of the story." for i in range(6))
    voice = FakeVoice(gate=threading.Event())
    engines = fake_engines(chat=FakeChat(story), voice=voice)
    clock = StreamClock()
    kitchen = Session(engines, sink=InstantSink(), clock=clock, settings=settings(),
                      name="kitchen")
    office = Session(engines, sink=InstantSink(), clock=clock, settings=settings(),
                     name="office")
    replied = threading.Event()
    office.observe(lambda event: replied.set() if getattr(event, "result", None) else None)
    with engines, kitchen, office:
        try:
            kitchen.submit_text("tell me a long story")
            assert voice.waiting.wait(5)  # the first sentence is being synthesized: held
            office.submit_text("what time is it")
            # the command's sentence waits, and so does the rest of the story
            eventually(lambda: engines.synthesis.pending("office") == 1
                       and engines.synthesis.pending("kitchen") >= 2, timeout_s=10.0)
        finally:
            voice.gate.set()
        assert replied.wait(10)
    assert voice.spoken[:2] == ["Sentence number 0 of the story.", "It is noon."], voice.spoken
    assert kitchen.router.memory is not office.router.memory  # each room its own conversation
