"""Speech recognition engines: the protocol, Whisper and Vosk, and the choice between them."""

from assistant.engines.stt.base import (
    RecognitionStream,
    SpeechRecognizer,
    Transcript,
    heard_clearly,
)
from assistant.engines.stt.choice import EngineChoice, choose_engine

__all__ = ["EngineChoice", "RecognitionStream", "SpeechRecognizer", "Transcript",
           "choose_engine", "heard_clearly"]
