"""Speech recognition engines: the protocol, Whisper and Vosk, and the choice between them."""

from assistant.engines.stt.base import RecognitionStream, SpeechRecognizer, Transcript
from assistant.engines.stt.choice import EngineChoice, choose_engine, load_recognizer

__all__ = ["EngineChoice", "RecognitionStream", "SpeechRecognizer", "Transcript",
           "choose_engine", "load_recognizer"]
