"""Random and mutated Wyoming frames, all drawn from one seed (the same seed gives the same
cases in the same order, whatever the server answers).

A case is the bytes one connection sends: a short, valid conversation (describe, ping,
transcribe with audio, detect, synthesize, a synthesis stream, recognize, transcript,
run-pipeline, unknown events) in an odd or absurd audio format, then, most of the time,
mutated: bits flipped, bytes cut, inserted or repeated, lengths that lie, numbers that
are huge, negative, fractional or not numbers, JSON nested deep, header lines too long.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

WORDS = ("turn", "on", "the", "kitchen", "light", "what", "time", "is", "it", "set", "a",
         "timer", "for", "ten", "minutes", "hello", "why", "sky", "blue", "stop", "Paris")
TYPES = ("describe", "ping", "transcribe", "audio-start", "audio-chunk", "audio-stop",
         "detect", "synthesize", "synthesize-start", "synthesize-chunk", "synthesize-stop",
         "recognize", "transcript", "run-pipeline", "info", "error", "make-coffee")
ODD_NUMBERS: tuple[Any, ...] = (0, -1, 1, 3, 7, 255, 2**31, 2**63, 10**30, 0.5, 1e300, -1e-9,
                                "16000", None, True, [], {}, "", 44100, 192000, 8000)


def frame(kind: str, data: dict[str, Any] | None = None, payload: bytes = b"", *,
          inline: bool = False) -> bytes:
    """One event as the `wyoming` package writes it (`inline`: data in the header line)."""
    header: dict[str, Any] = {"type": kind}
    body = b""
    if data and inline:
        header["data"] = data
    elif data:
        body = json.dumps(data).encode()
        header["data_length"] = len(body)
    if payload:
        header["payload_length"] = len(payload)
    return json.dumps(header).encode() + b"\n" + body + payload


@dataclass
class FrameFuzzer:
    seed: int

    def __post_init__(self) -> None:
        self.random = random.Random(self.seed)

    def case(self) -> bytes:
        """The next case: a valid conversation, mutated three times in four."""
        data = self._conversation()
        if self.random.random() < 0.75:
            for _ in range(self.random.randint(1, 4)):
                data = self.random.choice(self._mutations())(data)
        return data

    # -- valid conversations ---------------------------------------------------------------

    def _conversation(self) -> bytes:
        r = self.random
        maker: Callable[[], list[bytes]] = r.choice([
            self._transcribe, self._detect, self._synthesize, self._stream, self._texts,
            self._pipeline, self._odd_events])
        return b"".join(maker())

    def _text(self, most: int = 12) -> str:
        return " ".join(self.random.choice(WORDS) for _ in range(self.random.randint(0, most)))

    def _format(self) -> dict[str, Any]:
        r = self.random
        if r.random() < 0.6:
            return {"rate": r.choice((8000, 16000, 22050, 44100, 48000, 192000)),
                    "width": r.choice((1, 2, 4)), "channels": r.choice((1, 2, 8))}
        return {"rate": r.choice(ODD_NUMBERS), "width": r.choice(ODD_NUMBERS),
                "channels": r.choice(ODD_NUMBERS)}

    def _audio(self, fmt: dict[str, Any]) -> list[bytes]:
        r = self.random
        chunks = []
        for _ in range(r.randint(0, 6)):
            size = r.choice((0, 1, 3, 320, 2048, 9000))
            chunks.append(frame("audio-chunk", fmt, r.randbytes(size)))
        return chunks

    def _transcribe(self) -> list[bytes]:
        fmt = self._format()
        return [frame("transcribe", {"language": self.random.choice(("en", "zh", 5, None))}),
                frame("audio-start", fmt), *self._audio(fmt), frame("audio-stop")]

    def _detect(self) -> list[bytes]:
        fmt = self._format()
        return [frame("detect", {"names": [self.random.choice(("hey_jarvis", 3))]}),
                frame("audio-start", fmt), *self._audio(fmt), frame("audio-stop")]

    def _synthesize(self) -> list[bytes]:
        voice = self.random.choice(({}, {"name": "x"}, 5, [1], {"language": None}))
        return [frame("synthesize", {"text": self._text(), "voice": voice})]

    def _stream(self) -> list[bytes]:
        r = self.random
        pieces = [frame("synthesize-chunk", {"text": self._text(4) + r.choice((". ", " ", ""))})
                  for _ in range(r.randint(0, 4))]
        return [frame("synthesize-start", {"voice": r.choice(({}, 5))}), *pieces,
                frame("synthesize", {"text": self._text()}), frame("synthesize-stop")]

    def _texts(self) -> list[bytes]:
        r = self.random
        context = r.choice((None, {"conversation_id": "fuzz"}, {"conversation_id": 5}, "x"))
        kind = r.choice(("recognize", "transcript", "ping", "describe"))
        return [frame(kind, {"text": r.choice((self._text(), 7, None, [])),
                             "context": context}, inline=r.random() < 0.5)]

    def _pipeline(self) -> list[bytes]:
        r = self.random
        stage = r.choice(("wake", "asr", "intent", "handle", "tts", "nowhere", 3))
        fmt = {"rate": 16000, "width": 2, "channels": 1}
        return [frame("run-pipeline", {"start_stage": stage, "end_stage": "tts",
                                       "restart_on_end": r.choice((True, "x"))}),
                frame("audio-start", fmt), *self._audio(fmt)]

    def _odd_events(self) -> list[bytes]:
        r = self.random
        return [frame(r.choice(TYPES), {r.choice(("rate", "text", "x")): r.choice(ODD_NUMBERS)},
                      r.randbytes(r.choice((0, 5, 100))))
                for _ in range(r.randint(1, 5))]

    # -- mutations -------------------------------------------------------------------------

    def _mutations(self) -> list[Callable[[bytes], bytes]]:
        return [self._flip, self._cut, self._insert, self._repeat, self._truncate,
                self._lying_length, self._deep, self._long_line, self._odd_header]

    def _at(self, data: bytes) -> int:
        return self.random.randrange(len(data) + 1)

    def _flip(self, data: bytes) -> bytes:
        if not data:
            return data
        buffer = bytearray(data)
        for _ in range(self.random.randint(1, 8)):
            buffer[self.random.randrange(len(buffer))] ^= 1 << self.random.randrange(8)
        return bytes(buffer)

    def _cut(self, data: bytes) -> bytes:
        start = self._at(data)
        return data[:start] + data[start + self.random.randint(1, 64):]

    def _insert(self, data: bytes) -> bytes:
        at = self._at(data)
        junk = self.random.choice((b"\n", b"{", b"}", b'"', b"\x00", b"\xff\xfe",
                                   self.random.randbytes(self.random.randint(1, 32))))
        return data[:at] + junk + data[at:]

    def _repeat(self, data: bytes) -> bytes:
        start = self._at(data)
        piece = data[start:start + self.random.randint(1, 200)]
        return data[:start] + piece * self.random.randint(2, 20) + data[start:]

    def _truncate(self, data: bytes) -> bytes:
        return data[:self._at(data)]

    def _lying_length(self, data: bytes) -> bytes:
        key = self.random.choice((b'"payload_length": ', b'"data_length": '))
        value = str(self.random.choice((0, 1, 7, 999, 2**20, 2**31, -3))).encode()
        at = data.find(key)
        if at < 0:
            return data
        end = at + len(key)
        while end < len(data) and data[end:end + 1].isdigit():
            end += 1
        return data[:at + len(key)] + value + data[end:]

    def _deep(self, data: bytes) -> bytes:
        depth = self.random.choice((50, 1000, 30000))
        nested = b"[" * depth + b"]" * depth
        return frame("ping", {"text": "x"}).replace(b'"x"', nested) + data

    def _long_line(self, data: bytes) -> bytes:
        return b'{"type": "' + b"a" * self.random.choice((70_000, 200_000)) + b'"}\n' + data

    def _odd_header(self, data: bytes) -> bytes:
        header = self.random.choice((b"[]", b"null", b'{"type": 5}', b'{"type": null}',
                                     b'{"type": "ping", "data": [1]}', b"NaN", b"1e400",
                                     b'{"type": "audio-chunk", "data": {"rate": 1e400, '
                                     b'"width": 2, "channels": 1}, "payload_length": 2}\nab',
                                     b'{"type": "ping", "data": {"text": NaN}}'))
        return header + b"\n" + data
