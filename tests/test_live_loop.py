"""`assistant run` through real audio devices: a private PulseAudio daemon (tests/audio_lab.py).

The request is spoken by Piper into the virtual microphone; the assistant hears it through
sounddevice/PortAudio/ALSA like a real microphone; its reply is recorded from the virtual
speaker and transcribed by Whisper, and the assertions check the words.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from assistant.assembly import model_store, session_settings
from assistant.audio import Audio, silence
from assistant.config import Config
from assistant.engines.stt import SpeechRecognizer
from assistant.engines.tts import SpeechSynthesizer, synthesize_all
from assistant.models import ModelStore
from assistant.sentences import clean_for_speech
from tests import building
from tests.audio_lab import AssistantProcess, AudioLab, Recording, Turn, require_audio_lab
from tests.words import heard_enough, share_heard

pytestmark = pytest.mark.live

DEVICE_ARGS = ("--input-device", "pulse", "--output-device", "pulse")
READY_TIMEOUT_S = 120.0
TURN_TIMEOUT_S = 120.0
EXIT_TIMEOUT_S = 20.0
BARGE_IN_CUT_S = 3.0
"""After the wake word has been said, the reply must stop within this (generous: wake word
detection plus the sound server's buffers are well under a second)."""

FOLLOW_UP_MS = Config().wake.follow_up_ms
QUESTION = "Who wrote Romeo and Juliet?"
"""A question for the chat model: the offline data answers a capital itself (a skill, as
fast as a command), and no template of the knowledge skill asks who wrote a play."""
ANSWER = "shakespeare"
COMMAND = "Calculate seventeen times twenty three."
"""Not "What is seventeen times ...": whisper-tiny hears "What a 17 times 23" in every one of
12 slightly changed renderings (no command, so the chat model answers); this one in all."""
STORY = "Tell me a story about a dragon and a knight."


class Voice:
    """The Piper voice of the tests: says the requests into the virtual microphone."""

    def __init__(self, synthesizer: SpeechSynthesizer) -> None:
        self._synthesizer = synthesizer
        self._cache: dict[str, Audio] = {}

    def say(self, text: str) -> Audio:
        if text not in self._cache:
            self._cache[text] = synthesize_all(self._synthesizer, text)
        return self._cache[text]

    def request(self, text: str, *, wake: bool = True) -> Audio:
        """'Hey Jarvis', a short pause, the request, and the silence that ends it."""
        rate = self.say(text).rate
        said = silence(400, rate=rate)
        if wake:
            said += self.say("Hey Jarvis") + silence(700, rate=rate)
        return said + self.say(text) + silence(1200, rate=rate)


@pytest.fixture(scope="module")
def lab() -> Iterator[AudioLab]:
    """The daemon of the shared `assistant` process (nothing else may listen on it)."""
    require_audio_lab()
    with AudioLab() as audio_lab:
        yield audio_lab


@pytest.fixture
def own_lab() -> Iterator[AudioLab]:
    """A daemon for one test's own `assistant run` (two assistants on one microphone
    would both answer)."""
    require_audio_lab()
    with AudioLab() as audio_lab:
        yield audio_lab


@pytest.fixture(scope="module")
def voice(real_store: ModelStore) -> Voice:
    """The same audio for the same text in every run (no generator noise)."""
    return Voice(building.english_voice(real_store))


@pytest.fixture(scope="module")
def recognizer(real_store: ModelStore) -> SpeechRecognizer:
    return building.recognizer(real_store, engine="whisper")


def start_assistant(lab: AudioLab, cwd: Path, *args: str, prefix: tuple[str, ...] = (),
                    debug: bool = True) -> AssistantProcess:
    process = AssistantProcess(lab, [*args], cwd=cwd, prefix=prefix,
                               global_args=("--debug",) if debug else ())
    try:
        process.wait_listening(timeout=READY_TIMEOUT_S)
    except BaseException:
        process.close()
        raise
    return process


@pytest.fixture(scope="module")
def assistant(lab: AudioLab, real_store: ModelStore,
              tmp_path_factory: pytest.TempPathFactory) -> Iterator[AssistantProcess]:
    """One `assistant run --verbose` on the lab's devices, for several turns."""
    process = start_assistant(lab, tmp_path_factory.mktemp("run"), "--verbose", *DEVICE_ARGS)
    yield process
    process.close()


def ask(lab: AudioLab, assistant: AssistantProcess, recording: Recording, voice: Voice,
        text: str, *, wake: bool = True) -> tuple[Turn, Audio]:
    """Say 'Hey Jarvis, <text>' (just `text` in the follow-up window when not `wake`);
    the turn printed and the reply as the speaker played it."""
    if wake:
        assistant.wait_follow_up_over(FOLLOW_UP_MS)
    number = len(assistant.turns()) + 1
    start_s = recording.seconds
    lab.play(voice.request(text, wake=wake))
    turn = assistant.wait_turn(number, timeout=TURN_TIMEOUT_S)
    # The turn ends when the last reply audio went to the device; the sound server's
    # buffers play out shortly after.
    assert recording.wait_for_quiet(start_s, quiet_s=1.5, timeout=60), \
        "the speaker kept playing after the turn ended\n" + assistant.output()
    return turn, recording.audio(start_s)


def heard_words(recognizer: SpeechRecognizer, audio: Audio) -> str:
    return recognizer.transcribe(audio).text.lower()


def print_latency(name: str, turn: Turn) -> None:
    figures = " ".join(f"{k}={v}" for k, v in turn.latency_ms.items())
    print(f"\n{name}: {figures}")


# -- 1. questions answered through the devices ---------------------------------------------

def assert_kernel_filter(process: AssistantProcess) -> None:
    """The process runs under the kernel network filter (seccomp mode 2, no_new_privs)."""
    status = Path(f"/proc/{process.pid}/status").read_text()
    fields = dict(line.split(":\t", 1) for line in status.splitlines() if ":\t" in line)
    assert (fields.get("Seccomp"), fields.get("NoNewPrivs")) == ("2", "1"), process.output()


def test_question_and_command_answered_through_audio_devices(
        lab: AudioLab, assistant: AssistantProcess, voice: Voice,
        recognizer: SpeechRecognizer, tmp_path: Path) -> None:
    assert_kernel_filter(assistant)  # the PulseAudio socket works under it
    with lab.record(tmp_path / "speaker.wav") as recording:
        turn, reply = ask(lab, assistant, recording, voice, QUESTION)
        print_latency("llm question", turn)
        assert heard_enough(QUESTION, turn.heard), assistant.output()
        assert turn.route == "llm" and not turn.interrupted, assistant.output()
        words = heard_words(recognizer, reply)
        assert ANSWER in words, f"reply as heard from the speaker: {words!r}"

        turn, reply = ask(lab, assistant, recording, voice, COMMAND)
        print_latency("skill command", turn)
        assert turn.route == "skill" and not turn.interrupted, assistant.output()
        words = heard_words(recognizer, reply)
        assert share_heard("three hundred ninety-one", words) >= 0.75, \
            f"reply as heard from the speaker: {words!r}"


def test_follow_up_without_the_wake_word(
        lab: AudioLab, assistant: AssistantProcess, voice: Voice,
        recognizer: SpeechRecognizer, tmp_path: Path) -> None:
    with lab.record(tmp_path / "speaker.wav") as recording:
        first, _ = ask(lab, assistant, recording, voice, COMMAND)
        assert first.route == "skill", assistant.output()
        # Right after the reply: the follow-up window is open, no wake word needed.
        turn, reply = ask(lab, assistant, recording, voice, "What is ten plus five?",
                          wake=False)
    assert turn.route == "skill", assistant.output()
    words = heard_words(recognizer, reply)
    assert "15" in words or "fifteen" in words, f"reply as heard from the speaker: {words!r}"


def test_wake_word_during_the_follow_up_window(
        lab: AudioLab, assistant: AssistantProcess, voice: Voice,
        recognizer: SpeechRecognizer, tmp_path: Path) -> None:
    with lab.record(tmp_path / "speaker.wav") as recording:
        first, _ = ask(lab, assistant, recording, voice, COMMAND)
        assert first.route == "skill", assistant.output()
        # A user who does not know about the follow-up window says the wake word anyway:
        # the capture that speech opens must restart after the wake word, not end on it.
        number = len(assistant.turns()) + 1
        lab.play(voice.request("What is ten plus five?"))
        turn = assistant.wait_turn(number, timeout=TURN_TIMEOUT_S)
    assert turn.route == "skill" and "fifteen" in turn.reply.lower(), assistant.output()


# -- 2. barge-in ----------------------------------------------------------------------------

def test_wake_word_interrupts_a_long_reply(
        lab: AudioLab, assistant: AssistantProcess, voice: Voice, tmp_path: Path) -> None:
    assistant.wait_follow_up_over(FOLLOW_UP_MS)
    number = len(assistant.turns()) + 1
    wake = voice.say("Hey Jarvis")
    with lab.record(tmp_path / "speaker.wav") as recording:
        start_s = recording.seconds
        lab.play(voice.request(STORY))
        reply_start_s = recording.wait_for_sound(start_s, timeout=TURN_TIMEOUT_S)
        assert reply_start_s is not None, "no reply was heard\n" + assistant.output()
        assert recording.wait_seconds(reply_start_s + 2.0, timeout=30)
        lab.play(wake + silence(200, rate=wake.rate))
        wake_said_s = recording.seconds
        lab.play(silence(300, rate=wake.rate) + voice.say("Stop.")
                 + silence(1200, rate=wake.rate))
        story = assistant.wait_turn(number, timeout=TURN_TIMEOUT_S)
        stop = assistant.wait_turn(number + 1, timeout=TURN_TIMEOUT_S)
        assert recording.wait_for_quiet(wake_said_s, quiet_s=2.0, timeout=60)
        spans = recording.sound_spans(start_s)

    output = assistant.output()
    assert "[wake word (barge-in)]" in output, output
    assert story.route == "llm" and story.interrupted, output
    assert stop.route == "control", output
    reply_end_s = spans[-1][1]
    assert reply_end_s - wake_said_s < BARGE_IN_CUT_S, (
        f"the reply went on for {reply_end_s - wake_said_s:.1f} s after the wake word "
        f"(sound: {spans})")
    # The whole story, as the model writes and the voice says it when nobody interrupts.
    full_s = full_reply_seconds(voice, STORY)
    heard_s = reply_end_s - reply_start_s
    print(f"\nbarge-in: reply stopped {reply_end_s - wake_said_s:.2f} s after the wake word; "
          f"heard {heard_s:.1f} s of a {full_s:.1f} s reply")
    assert heard_s < 0.5 * full_s, f"heard {heard_s:.1f} s of a {full_s:.1f} s reply"


def full_reply_seconds(voice: Voice, text: str) -> float:
    """How long the uninterrupted reply to `text` would play (the chat model is greedy)."""
    config = Config()
    # One thread: this runs next to `assistant run`, and llama.cpp threads that outnumber
    # the free cores spin against each other (minutes instead of seconds on 2 cores).
    chat = building.chat_model(model_store(config), threads=1)
    try:
        talk = building.conversation(chat=chat, settings=session_settings(
            config, building.language("en")))
        reply = clean_for_speech("".join(talk.answer(text, now=0.0).reply.pieces))
    finally:
        chat.close()
    return voice.say(reply).seconds


# -- 3. clean shutdown ------------------------------------------------------------------------

@pytest.mark.parametrize("signum, while_speaking", [(signal.SIGINT, False),
                                                    (signal.SIGTERM, True)],
                         ids=["SIGINT-listening", "SIGTERM-speaking"])
def test_signal_stops_cleanly(own_lab: AudioLab, voice: Voice, real_store: ModelStore,
                              tmp_path: Path, signum: signal.Signals,
                              while_speaking: bool) -> None:
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    process = start_assistant(own_lab, cwd, "--verbose", *DEVICE_ARGS)
    try:
        if while_speaking:
            with own_lab.record() as recording:
                start_s = recording.seconds
                own_lab.play(voice.request(STORY))
                assert recording.wait_for_sound(start_s, timeout=TURN_TIMEOUT_S) is not None, \
                    "no reply was heard\n" + process.output()
        children = psutil.Process(process.pid).children(recursive=True)
        process.proc.send_signal(signum)
        code = process.wait_exit(timeout=EXIT_TIMEOUT_S)
    finally:
        process.close()
    output = process.output()
    assert code == 0, f"exit status {code} (None: still running after {EXIT_TIMEOUT_S} s)\n" \
        + output
    assert process.stdout[-1] == "stopped", output
    assert not any("Traceback" in line for line in process.stderr), output
    leftovers = [c for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]
    assert not leftovers, f"child processes left behind: {leftovers}"
    assert not list(cwd.iterdir()), "files left in the working directory"
    for path in own_lab.home.rglob("*"):  # state the assistant keeps must be whole
        if path.is_file() and path.suffix == ".json":
            json.loads(path.read_text(encoding="utf-8"))
        assert not path.name.endswith((".tmp", ".part", "~")), f"half-written file: {path}"


# -- 4. audio devices that fail -----------------------------------------------------------

@pytest.mark.parametrize("option", ["--input-device", "--output-device"])
def test_missing_device_is_one_clear_error(own_lab: AudioLab, tmp_path: Path,
                                           option: str) -> None:
    """Found out before any model loads, so this needs no models."""
    process = AssistantProcess(own_lab, [option, "no-such-device"], cwd=tmp_path)
    try:
        code = process.wait_exit(timeout=READY_TIMEOUT_S)
    finally:
        process.close()
    output = process.output()
    assert code == 1, output
    errors = [line for line in process.stderr if line.startswith("error:")]
    assert len(errors) == 1, output
    assert "'no-such-device'" in errors[0] and "available:" in errors[0], output
    assert "pulse" in errors[0].split("available:")[1], output
    assert not any("Traceback" in line for line in process.stderr), output
    assert not any("listening" in line for line in process.stdout), output


def test_sound_server_lost_then_back_then_gone(
        own_lab: AudioLab, voice: Voice, recognizer: SpeechRecognizer, real_store: ModelStore,
        tmp_path: Path) -> None:
    """The daemon dies while listening: the assistant reopens the devices when it comes
    back and answers again; when it stays away, it gives up with one clear error."""
    process = start_assistant(own_lab, tmp_path, "--verbose", "--retries", "3", *DEVICE_ARGS,
                              debug=False)
    try:
        first = process.wait_listening(timeout=1)
        own_lab.kill_daemon()
        process.wait_for_line(r"^audio device problem: ", stream="stderr", timeout=30)
        own_lab.start()
        again = process.wait_listening(timeout=60, start=first + 1)
        assert "reopened after" in process.stdout[again], process.output()
        with own_lab.record() as recording:
            turn, reply = ask(own_lab, process, recording, voice, COMMAND)
        assert turn.route == "skill", process.output()
        words = heard_words(recognizer, reply)
        assert share_heard("three hundred ninety-one", words) >= 0.75, \
            f"reply as heard from the speaker: {words!r}"

        own_lab.kill_daemon()
        code = process.wait_exit(timeout=60)
    finally:
        process.close()
    output = process.output()
    assert code == 1, output
    errors = [line for line in process.stderr if line.startswith("error:")]
    assert len(errors) == 1 and "giving up after 3 retries" in errors[0], output
    assert process.stderr[-1] == errors[0], output
    assert not any("Traceback" in line for line in process.stderr), output


# -- 5. offline: no network at all --------------------------------------------------------

def _network_namespace_allowed() -> bool:
    try:
        return subprocess.run(["unshare", "-n", "true"], capture_output=True,
                              timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def test_question_answered_without_any_network(
        own_lab: AudioLab, voice: Voice, recognizer: SpeechRecognizer, real_store: ModelStore,
        tmp_path: Path) -> None:
    if not _network_namespace_allowed():
        pytest.skip("this kernel or container forbids `unshare -n` (a private network "
                    "namespace needs root or user namespaces)")
    process = start_assistant(own_lab, tmp_path, "--verbose", *DEVICE_ARGS,
                              prefix=("unshare", "-n"))
    try:
        own_ns = os.readlink("/proc/self/ns/net")
        assert os.readlink(f"/proc/{process.pid}/ns/net") != own_ns
        interfaces = [line.split(":")[0].strip() for line in
                      Path(f"/proc/{process.pid}/net/dev").read_text().splitlines()[2:]]
        assert interfaces == ["lo"], interfaces
        assert_kernel_filter(process)
        with own_lab.record(tmp_path / "speaker.wav") as recording:
            turn, reply = ask(own_lab, process, recording, voice, QUESTION)
    finally:
        process.close()
    print_latency("llm question, no network", turn)
    assert heard_enough(QUESTION, turn.heard), process.output()
    assert turn.route == "llm", process.output()
    words = heard_words(recognizer, reply)
    assert ANSWER in words, f"reply as heard from the speaker: {words!r}"


# -- 6. what is kept on disk ----------------------------------------------------------------

def saved_files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_nothing_is_recorded_unless_asked_and_forget_wipes_it(
        own_lab: AudioLab, voice: Voice, real_store: ModelStore, tmp_path: Path) -> None:
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    # By default: a turn leaves no audio and no transcript anywhere the assistant writes.
    process = start_assistant(own_lab, cwd, "--verbose", *DEVICE_ARGS)
    try:
        with own_lab.record() as recording:
            ask(own_lab, process, recording, voice, COMMAND)
    finally:
        process.close()
    kept = saved_files(own_lab.home) + saved_files(cwd)
    assert not [f for f in kept if f.endswith((".wav", ".jsonl"))], kept

    # Opted in: one recording of what was said, one transcript entry; `forget` wipes both.
    records, logs = tmp_path / "recordings", tmp_path / "transcripts"
    config = tmp_path / "assistant.toml"
    config.write_text(f'[privacy]\ntranscript_log = true\nlog_dir = "{logs}"\n'
                      f'record_dir = "{records}"\n')  # `forget` reads it from here
    process = AssistantProcess(own_lab, ["--verbose", "--record-dir", str(records),
                                         *DEVICE_ARGS], cwd=cwd,
                               global_args=("--config", str(config)))
    try:
        process.wait_listening(timeout=READY_TIMEOUT_S)
        with own_lab.record() as recording:
            turn, _ = ask(own_lab, process, recording, voice, COMMAND)
    finally:
        process.close()
    recordings = sorted(records.glob("utt-*.wav"))
    assert len(recordings) == 1 and recordings[0].stat().st_mode & 0o077 == 0
    entries = [json.loads(line) for path in logs.glob("*.jsonl")
               for line in path.read_text().splitlines()]
    assert [e["transcript"] for e in entries] == [turn.heard]
    forget = subprocess.run([*process.command[:3], "--config", str(config), "forget", "--yes"],
                            env=own_lab.env, capture_output=True, text=True, timeout=120,
                            cwd=cwd)
    assert forget.returncode == 0, forget.stderr
    assert not list(records.glob("utt-*.wav")) and not list(logs.glob("*.jsonl"))
