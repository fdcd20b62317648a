"""`assistant serve`: the assistant as a Wyoming server, and the satellites it drives.

Wyoming is Home Assistant's voice protocol (the `wyoming` package: a JSON header line,
optional JSON data and a binary payload per event, over TCP). One process, one set of
engines (`assistant.loop.shared.Engines`), many connections:

- `wire`: reading events with limits (size, time, text length), and incoming audio
  checked against the format its `audio-start` announced and kept as 16 kHz mono;
- `info`: `describe` -> `info`, what the assistant really has;
- `asr`, `tts`, `wake`, `conversation`: one module per service (transcribe, synthesize
  whole or streamed, detect, recognize/handle);
- `pipeline`: a whole conversation (a `Session`) on a satellite's audio, and `sender`,
  the reply audio streamed back in real time;
- `satellite`: the link to a wyoming-satellite program, reconnecting with back-off;
- `connection` and `app`: the server that dispatches each connection's events, and
  `flood`: connection caps (the quietest idle connection makes room) and problems logged
  once per burst.
"""
