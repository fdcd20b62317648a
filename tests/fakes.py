"""Fakes for unit tests of the voice loop: engines driven by what the audio *is*.

The fake microphone speaks in three "sounds": silence (zeros), the wake word (every
sample WAKE) and speech (every sample SPEECH). The fake VAD hears speech in SPEECH
samples, the fake wake detector fires at the end of a run of WAKE samples, and the fake
recognizer returns the text it was told.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

import numpy as np

from assistant.audio import Audio
from assistant.engines.llm import ChatMessage
from assistant.engines.stt import Transcript
from assistant.loop.output import BufferedSink
from assistant.skills import SkillReply
from assistant.skills.origin import Origin

WAKE = 1111
SPEECH = 2222
RATE = 16000


def sound(kind: str, ms: int) -> Audio:
    value = {"silence": 0, "wake": WAKE, "speech": SPEECH}[kind]
    return Audio(np.full(RATE * ms // 1000, value, dtype="<i2").tobytes(), RATE)


def blocks(audio: Audio, ms: int = 30) -> Iterator[Audio]:
    step = 2 * RATE * ms // 1000
    for start in range(0, len(audio.pcm), step):
        yield Audio(audio.pcm[start : start + step], RATE)


class FakeVad:
    """One probability per 32 ms frame: 1.0 where the frame is SPEECH samples."""

    frame_ms = 32.0

    def __init__(self) -> None:
        self._pending = np.zeros(0, dtype=np.int16)
        self.resets = 0

    @property
    def pending_ms(self) -> float:
        return 1000.0 * len(self._pending) / RATE

    def process(self, audio: Audio) -> list[float]:
        data = np.concatenate([self._pending, np.frombuffer(audio.pcm, dtype="<i2")])
        n = len(data) // 512
        self._pending = data[n * 512 :]
        return [float(np.mean(data[i * 512 : (i + 1) * 512] == SPEECH) > 0.5) for i in range(n)]

    def reset(self) -> None:
        self._pending = np.zeros(0, dtype=np.int16)
        self.resets += 1


class FakeVadModel:
    """Hands out one `FakeVad` per stream; `detectors` keeps them for inspection."""

    def __init__(self) -> None:
        self.detectors: list[FakeVad] = []

    def detector(self) -> FakeVad:
        self.detectors.append(FakeVad())
        return self.detectors[-1]


class FakeWake:
    """Fires on the first block after a run of at least 300 ms of WAKE samples."""

    name = "fake"
    phrase = "Hey Fake"

    def __init__(self) -> None:
        self._run = 0

    def process(self, audio: Audio) -> bool:
        data = np.frombuffer(audio.pcm, dtype="<i2")
        if data.size and np.all(data == WAKE):
            self._run += data.size
            return False
        fired = self._run >= RATE * 0.3
        self._run = 0
        return fired

    def reset(self) -> None:
        self._run = 0

    def close(self) -> None:
        self.closed = True


class FakeWakeModel:
    name = "fake"
    phrase = FakeWake.phrase

    def __init__(self) -> None:
        self.detectors: list[FakeWake] = []

    def detector(self) -> FakeWake:
        self.detectors.append(FakeWake())
        return self.detectors[-1]


class FakeStream:
    def __init__(self, owner: FakeRecognizer, hint: str | None) -> None:
        self._owner = owner
        self.hint = hint
        self.accepted_ms = 0.0
        self.prepared_at_ms: float | None = None

    def accept(self, audio: Audio) -> str:
        self.accepted_ms += audio.ms
        return ""

    def prepare(self) -> None:
        self.prepared_at_ms = self.accepted_ms

    def prepared_text(self) -> str | None:
        return self._owner.next_text if self.prepared_at_ms == self.accepted_ms else None

    def finish(self) -> Future[Transcript]:
        text = self._owner.next_text
        self._owner.finished()
        done: Future[Transcript] = Future()
        done.set_result(Transcript(text, "fake", "en", self.accepted_ms / 1000,
                                   word_confidence=self._owner.confidence(text)))
        return done


class FakeRecognizer:
    """Returns `next_text`; with `script`, each finished utterance takes the next text."""

    name = "fake"
    language = "en"

    def __init__(self, text: str = "what time is it", *, script: Sequence[str] = (),
                 unsure: Sequence[str] = ()) -> None:
        """Texts in `unsure` come with word confidence 0.1, others with 0.9."""
        self._next_text = text
        self._script = list(script)
        self._unsure = set(unsure)
        self.streams: list[FakeStream] = []

    def confidence(self, text: str) -> float:
        return 0.1 if text in self._unsure else 0.9

    @property
    def next_text(self) -> str:
        return self._script[0] if self._script else self._next_text

    def finished(self) -> None:
        if self._script:
            self._script.pop(0)

    def stream(self, *, phrases: Sequence[str] | None = None, hint: str | None = None,
               hints: Mapping[str, str] | None = None, owner: str = "") -> FakeStream:
        stream = FakeStream(self, hint)
        self.streams.append(stream)
        return stream

    def transcribe(self, audio: Audio) -> Transcript:
        return Transcript(self.next_text, "fake", "en", audio.seconds)

    def close(self) -> None:
        self.closed = True


class FakeChat:
    """Streams a fixed answer word by word; can be slowed down to test interruptions."""

    name = "fake-chat"
    context_tokens = 2048

    def __init__(self, answer: str = "Paris is the capital. It is in France.",
                 delay_s: float = 0.0) -> None:
        self.answer = answer
        self.delay_s = delay_s
        self.prompts: list[list[ChatMessage]] = []
        self.prepared: list[list[ChatMessage]] = []
        """What `prepare` was asked to read ahead."""

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def stream_reply(self, messages: Sequence[ChatMessage], *, max_tokens: int,
                     owner: str = "", cancel: threading.Event | None = None) -> Iterator[str]:
        self.prompts.append(list(messages))
        for word in self.answer.split():
            if cancel is not None and cancel.wait(self.delay_s):
                return
            yield word + " "

    def prepare(self, messages: Sequence[ChatMessage], *, max_tokens: int,
                owner: str = "") -> None:
        self.prepared.append(list(messages))

    def use_all_cores(self, solo: bool) -> None:
        self.solo = solo

    def complete_json(self, messages: Sequence[ChatMessage], *, grammar: str,
                      max_tokens: int = 256) -> str:
        return '{"name": "none"}'

    def close(self) -> None:
        self.closed = True


class FakeVoice:
    """200 ms of audio per word, at 16 kHz."""

    name = "fake-voice"
    rate = RATE

    def __init__(self, fail_on: str | None = None, *,
                 gate: threading.Event | None = None) -> None:
        """`gate`: every sentence waits for it (`waiting` is set while one does)."""
        self.fail_on = fail_on
        self.gate = gate
        self.waiting = threading.Event()
        self.spoken: list[str] = []

    def synthesize(self, text: str) -> Iterator[Audio]:
        """The fake wake phrase sounds like WAKE samples, anything else like speech."""
        if self.fail_on and self.fail_on in text:
            raise RuntimeError("synthesis failed")
        if self.gate is not None:
            self.waiting.set()
            self.gate.wait()
        self.spoken.append(text)
        if text == FakeWake.phrase:
            yield sound("wake", 600)
            return
        yield sound("speech", 200 * max(1, len(text.split())))

    def close(self) -> None:
        self.closed = True


class FakeSkills:
    """Answers "what time is it" and fires one announcement at `announce_at_s`."""

    hint = ""

    def __init__(self, *, announce_at_s: float | None = None) -> None:
        self.announce_at_s = announce_at_s
        self.calls: list[str] = []

    def respond(self, text: str, *, now: float, alternatives: Sequence[str] = (),
                sure: bool = True) -> SkillReply | None:
        if not sure:
            return None
        self.calls.append(text)
        if "time" in text.lower():
            return SkillReply("It is noon.", "GetTime", {})
        return None

    def recognize(self, text: str, *, by_sound: bool = True) -> str | None:
        return "GetTime" if "time" in text.lower() else None

    def due_announcements(self, now: float) -> list[str]:
        if self.announce_at_s is not None and now >= self.announce_at_s:
            self.announce_at_s = None
            return ["Your timer is done."]
        return []

    def next_due(self) -> float | None:
        return self.announce_at_s

    def next_wall_due(self) -> None:
        return None

    def wall_due(self, wall: object) -> list[Any]:
        return []

    def ringing(self) -> bool:
        return False

    def stop_ringing(self) -> None:
        return None

    def ring_over(self) -> None:
        pass

    def tools(self) -> list[dict[str, Any]]:
        return []

    def tool_grammar(self, *, decline: bool = False) -> str:
        return ""

    def call_tool(self, name: str, arguments: dict[str, Any], *, now: float) -> SkillReply:
        raise AssertionError("tool calls are off")


class FakeSkillsEngine:
    """Hands every session the same `FakeSkills` (the tests inspect its calls)."""

    def __init__(self, skills: FakeSkills | None = None) -> None:
        self.skills = skills or FakeSkills()
        self.hint = self.skills.hint
        self.grounding = None
        """No encyclopedia passages for the chat model."""

    def session(self, **_: object) -> FakeSkills:
        return self.skills

    def start(self) -> None:
        pass

    def close(self) -> None:
        pass


class InstantSink(BufferedSink):
    """A speaker that plays everything the moment it is queued (no clock to drive)."""

    def __init__(self, rate: int = RATE) -> None:
        super().__init__(rate)
        self.played_ms = 0.0

    def play(self, audio: Audio, *, tag: int = 0, on_start: Callable[[], None] | None = None,
             next_up: bool = False) -> None:
        self.played_ms += audio.ms
        if on_start is not None:
            on_start()


@dataclass
class MemoryControls:
    """The assistant's own settings kept in memory (a session's are AssistantControls)."""

    level: float = 0.5
    last: str | None = None
    forgotten: int = 0
    origin: Origin | None = None

    def volume(self) -> float:
        return self.level

    def set_volume(self, level: float) -> None:
        self.level = min(1.0, max(0.0, level))

    def forget(self) -> None:
        self.forgotten += 1

    def last_reply(self) -> str | None:
        return self.last

    def last_origin(self) -> Origin | None:
        return self.origin


class FaultyHome:
    """A home backend (the simulated one, wrapped) that fails the way Home Assistant or a
    broker can: `fault` is "unreachable", "refused", "auth", "not_exposed", "gone" (the
    device vanished) or "unavailable" (no state); on `devices` (ids; empty: every one)."""

    ERRORS = {"unreachable": "HomeUnreachable", "refused": "HomeRefused", "auth": "HomeAuthError",
              "not_exposed": "NotExposed", "gone": "UnknownDevice"}

    def __init__(self, backend: Any, fault: str, devices: Sequence[str] = (), *,
                 name: str = "homeassistant") -> None:
        from assistant.home import backend as errors

        self._backend = backend
        self._fault = fault
        self._devices = set(devices)
        self._error = getattr(errors, self.ERRORS[fault]) if fault in self.ERRORS else None
        self.name = name
        self.sent: list[tuple[str, Any]] = []

    def _hit(self, device_id: str) -> bool:
        return not self._devices or device_id in self._devices

    def start(self) -> None:
        self._backend.start()

    def stop(self) -> None:
        self._backend.stop()

    def home(self) -> Any:
        return self._backend.home()

    def state(self, device_id: str) -> Any:
        from assistant.home.model import DeviceState

        if self._fault == "unavailable" and self._hit(device_id):
            return DeviceState(device_id=device_id, available=False)
        return self._backend.state(device_id)

    def send(self, device_id: str, command: Any) -> Any:
        if self._error is not None and self._hit(device_id):
            raise self._error(f"the test says {self._fault} for {device_id}",
                              device_id=device_id)
        self.sent.append((device_id, command))
        return self._backend.send(device_id, command)

    def subscribe(self, listener: Callable[[Any], None]) -> Callable[[], None]:
        return self._backend.subscribe(listener)


@dataclass
class FakeWeather:
    """A home weather entity with fixed weather (assistant.skills.weather.HomeForecasts)."""

    current: Any = None
    """assistant.home.weather.WeatherNow, or None."""
    days: tuple[Any, ...] = ()
    """assistant.home.model.Forecast periods."""
    name: str = "homeassistant"

    @classmethod
    def of(cls, data: dict[str, Any], clock: Any) -> FakeWeather:
        """From a case file's `weather:` ({now: [condition, °C, humidity], days:
        [[days from `clock`, condition, high, low, chance of rain], ...]})."""
        from datetime import timedelta

        from assistant.home.model import Forecast
        from assistant.home.weather import WeatherNow

        now = WeatherNow(*data["now"]) if data.get("now") else None
        days = tuple(Forecast(time=(clock + timedelta(days=offset)).date().isoformat()
                              + "T00:00:00", condition=condition, high=high, low=low,
                              precipitation_probability=rain)
                     for offset, condition, high, low, rain in data.get("days", []))
        return cls(current=now, days=days)

    def now(self) -> Any:
        return self.current

    def daily(self) -> tuple[Any, ...]:
        return self.days


class MemoryHome:
    """A home backend in memory that behaves like a network one: `start()` may fail
    (unreachable while `down`, or `refuse` the credentials), devices come and go
    (`add`, `remove`: HomeChanged to the listeners), the connection drops (`drop`)."""

    def __init__(self, devices: Sequence[Any] = (), *, down: bool = False,
                 refuse: bool = False, name: str = "homeassistant") -> None:
        from assistant.home.backend import Listeners

        self.name = name
        self.devices = list(devices)
        self.states: dict[str, Any] = {}
        self.sent: list[tuple[str, Any]] = []
        self.down = down
        self.refuse = refuse
        self.starts = 0
        self.connected = False
        self.known = False
        """The home was read once (a backend keeps it while disconnected)."""
        self._listeners = Listeners()

    def start(self) -> None:
        from assistant.home.backend import ConnectionChanged, HomeAuthError, HomeUnreachable

        self.starts += 1
        if self.refuse:
            raise HomeAuthError("Home Assistant at 127.0.0.1:1 refused the access token")
        if self.down:
            raise HomeUnreachable("cannot reach Home Assistant at 127.0.0.1:1 (test)")
        self.connected = self.known = True
        self._listeners.emit(ConnectionChanged(True))

    def stop(self) -> None:
        self.connected = False

    def home(self) -> Any:
        from assistant.home.model import Home

        return Home(devices=tuple(self.devices)) if self.known else Home()

    def state(self, device_id: str) -> Any:
        from assistant.home.model import DeviceState

        return self.states.get(device_id, DeviceState(device_id=device_id))

    def send(self, device_id: str, command: Any) -> Any:
        from assistant.home.backend import HomeUnreachable, TurnOn
        from assistant.home.model import DeviceState

        if not self.connected:
            raise HomeUnreachable("cannot reach Home Assistant at 127.0.0.1:1 (test)")
        self.sent.append((device_id, command))
        on = isinstance(command, TurnOn)
        self.states[device_id] = DeviceState(device_id=device_id, on=on)
        return self.states[device_id]

    def subscribe(self, listener: Callable[[Any], None]) -> Callable[[], None]:
        return self._listeners.add(listener)

    def add(self, device: Any) -> None:
        from assistant.home.backend import HomeChanged

        self.devices.append(device)
        self._listeners.emit(HomeChanged(self.home()))

    def remove(self, device_id: str) -> None:
        from assistant.home.backend import HomeChanged

        self.devices = [d for d in self.devices if d.id != device_id]
        self._listeners.emit(HomeChanged(self.home()))

    def drop(self) -> None:
        from assistant.home.backend import ConnectionChanged

        self.connected = False
        self._listeners.emit(ConnectionChanged(False, "test"))
