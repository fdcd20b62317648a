"""Warming the engines up before the first turn: each runs once, so the first real turn
does not pay for lazy set-up, and the chat model reads its system prompt into its KV
cache (asked for first, while the other models load: `read_prompt`)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from assistant.audio import silence, to_speech
from assistant.engines.llm import ChatMessage, ChatModel, ChatServerError, prompt_prefix
from assistant.language import Language
from assistant.loop.router import ChatSettings
from assistant.loop.shared import Engines

log = logging.getLogger(__name__)


def read_prompt(model: ChatModel | None, chat: ChatSettings,
                 language: Language) -> Iterator[str] | None:
    """The chat model's warm-up reply, asked now (a local model starts reading at once,
    on its worker), so its system prompt stays in the KV cache for every later turn."""
    if model is None:
        return None
    messages = [*prompt_prefix(chat.system_prompt, chat.examples),
                ChatMessage("user", language.render("WarmUp"))]
    return model.stream_reply(messages, max_tokens=1)


def warm_up(engines: Engines, chat: ChatSettings, *,
            reading: Iterator[str] | None = None) -> None:
    """Run every engine once, so the first real turn does not pay for lazy set-up; the
    chat model keeps the language's system prompt in its KV cache for every later turn
    (`reading`: its warm-up reply, already asked for).
    The recognizer warms up on real speech (the voice saying the language's "Ready."):
    on silence or a tone, Whisper's short-window decode would take its slow fallback path."""
    ready = engines.language.render("WarmUp")
    quiet = silence(300)
    spoken = [to_speech(block) for block in engines.voice.synthesize(ready)]
    for recognizer in filter(None, [engines.recognizer, engines.final_recognizer]):
        stream = recognizer.stream()
        for block in [quiet, *spoken, quiet]:
            stream.accept(block)
        stream.finish().result()
    engines.vad.detector().process(quiet)
    if engines.wake is not None:
        detector = engines.wake.detector()
        detector.process(quiet)
        detector.close()
    if reading is None:
        reading = read_prompt(engines.chat, chat, engines.language)
    try:
        for _ in reading or ():
            pass
    except ChatServerError as error:  # each question will say so, or fall back
        log.warning("the chat server does not answer yet: %s", error)
    if engines.skills is not None:
        engines.skills.recognizer.recognize(ready)
