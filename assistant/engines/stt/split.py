"""A split recognizer: a fast one decides commands, a stronger one writes everything else.

Commands must be quick and are few: Whisper tiny.en with the skills' vocabulary as a
hint hears them well in a fraction of a second, and its early decode (started at the
first pause) is what the listener's early cut reads. Open questions are anything at all:
there the vocabulary hint can rewrite what was said ("the capital of France" became
"the capital of friends"), and a larger model without the hint hears names and phrases
better. So every utterance is buffered for both; when the early transcript is a command
(`keep_early`, the router's command check) it is the result, otherwise the final
recognizer decodes the same audio and its transcript is used. Commands cost nothing
extra; questions pay one decode of the final model. When the early transcript at a pause
already reads as a finished question (`start_final`), that decode starts there, inside
the end-of-speech window, as the early one does.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future

from assistant.audio import Audio
from assistant.engines.stt.base import RecognitionStream, Transcript


class SplitStream:
    """One utterance fed to an early and a final stream; see the module docstring."""

    def __init__(self, early: RecognitionStream, final: RecognitionStream, *,
                 keep_early: Callable[[str], bool],
                 start_final: Callable[[str], bool] | None = None) -> None:
        """`keep_early(text)`: True when the early transcript is final (a command).
        `start_final(text)`: True when an early transcript at a pause is worth starting
        the final decode for (a finished question)."""
        self._early = early
        self._final = final
        self._keep_early = keep_early
        self._start_final = start_final
        self._final_started = False

    def accept(self, audio: Audio) -> str:
        self._final.accept(audio)  # Whisper only buffers here: the decode comes at the end
        self._final_started = False
        return self._early.accept(audio)

    def prepare(self) -> None:
        self._early.prepare()

    def prepared_text(self) -> str | None:
        """The early transcript at this pause; a finished question also starts the final
        decode now (once per pause: it is stale, and dropped, if the user goes on)."""
        text = self._early.prepared_text()
        if (text and not self._final_started and self._start_final is not None
                and self._start_final(text)):
            self._final.prepare()
            self._final_started = True
        return text

    def finish(self) -> Future[Transcript]:
        result: Future[Transcript] = Future()
        final = self._final

        def relay(done: Future[Transcript]) -> None:
            if done.cancelled():
                result.cancel()
            elif done.exception() is not None:
                result.set_exception(done.exception())
            else:
                result.set_result(done.result())

        def early_done(done: Future[Transcript]) -> None:
            if done.cancelled() or done.exception() is not None:
                relay(done)
                return
            text = done.result().text
            try:
                keep = not text.strip() or self._keep_early(text)
            except Exception as error:  # noqa: BLE001 - the turn must still end
                result.set_exception(error)
                return
            if keep:
                relay(done)
            else:
                final.finish().add_done_callback(relay)

        self._early.finish().add_done_callback(early_done)
        return result
