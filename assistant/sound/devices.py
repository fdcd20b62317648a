"""Audio devices through sounddevice/PortAudio, imported only by the commands that need them.

A machine without PortAudio or without any sound device gets a clear message from
`say`, `devices` and `run`; every other command works without them.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import Literal

from assistant.audio import Audio, convert
from assistant.errors import AudioDeviceError

Kind = Literal["input", "output"]


def sounddevice() -> ModuleType:
    """The sounddevice module, or a clear error when PortAudio is missing."""
    try:
        import sounddevice as sd
    except OSError as error:
        raise AudioDeviceError(
            f"PortAudio is not available ({error}); install it (Debian/Raspberry Pi OS: "
            "sudo apt-get install libportaudio2)"
        ) from None
    return sd


@dataclass(frozen=True)
class DeviceInfo:
    index: int
    name: str
    host_api: str
    inputs: int
    outputs: int
    rate: int
    default_input: bool
    default_output: bool


def list_devices() -> list[DeviceInfo]:
    sd = sounddevice()
    try:
        devices = sd.query_devices()
        apis = sd.query_hostapis()
        default_in, default_out = sd.default.device
    except sd.PortAudioError as error:
        raise AudioDeviceError(f"cannot list audio devices: {error}") from None
    return [
        DeviceInfo(index=i, name=d["name"], host_api=apis[d["hostapi"]]["name"],
                   inputs=d["max_input_channels"], outputs=d["max_output_channels"],
                   rate=int(d["default_samplerate"]), default_input=i == default_in,
                   default_output=i == default_out)
        for i, d in enumerate(devices)
    ]


def resolve_device(spec: str | int | None, kind: Kind) -> DeviceInfo:
    """A device by index or (part of its) name; "" or None means the system default."""
    devices = list_devices()
    usable = [d for d in devices if (d.inputs if kind == "input" else d.outputs) > 0]
    if not usable:
        raise AudioDeviceError(f"no audio {kind} device found (is a sound card or "
                               "PulseAudio/PipeWire available?)")
    if spec in (None, ""):
        default = [d for d in usable if (d.default_input if kind == "input" else d.default_output)]
        return default[0] if default else usable[0]
    if isinstance(spec, int) or str(spec).isdigit():
        matches = [d for d in usable if d.index == int(spec)]
    else:
        exact = [d for d in usable if d.name == spec]
        matches = exact or [d for d in usable if str(spec).lower() in d.name.lower()]
    if not matches:
        names = "; ".join(f"{d.index}: {d.name}" for d in usable)
        raise AudioDeviceError(f"no {kind} device matches {spec!r} (available: {names})")
    return matches[0]


def play(audio: Audio, *, device: str | int | None = None) -> None:
    """Play a block on an output device and wait until it has been heard."""
    sd = sounddevice()
    info = resolve_device(device, "output")
    out = convert(audio, rate=info.rate, width=2, channels=1)
    try:
        sd.play(out.to_int16(), samplerate=info.rate, device=info.index, blocking=True)
    except sd.PortAudioError as error:
        raise AudioDeviceError(f"cannot play on {info.name!r}: {error}") from None
