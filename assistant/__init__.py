"""assistant: a privacy-first voice assistant that runs entirely on the device."""

import os as _os

__version__ = "0.1.0"

#: Set before anything of ours can load a library that reads them, for every command (also
#: `models fetch`) and every child: ONNX Runtime (Piper, Silero VAD, the wake word) keeps a
#: device ID and a queue of events under ~/.cache/Microsoft/DeveloperTools/ and looks up
#: mobile.events.data.microsoft.com to send them unless ORT_DISABLE_TELEMETRY is set before
#: it loads (its `disable_telemetry_events()` does not stop either).
NO_TELEMETRY = {"ORT_DISABLE_TELEMETRY": "1", "HF_HUB_DISABLE_TELEMETRY": "1"}
_os.environ.update(NO_TELEMETRY)
