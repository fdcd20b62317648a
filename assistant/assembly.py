"""Build the assistant's parts from the configuration, in one place.

Every engine is loaded from an explicit local model path through the model store; a
missing model is an error that names the fetch command.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from assistant.config import Config
from assistant.loop.controls import AssistantControls
from assistant.loop.memory import ConversationMemory
from assistant.loop.router import Router

if TYPE_CHECKING:
    from assistant.models import ModelStore


def model_store(config: Config) -> ModelStore:
    from assistant.models import ModelStore

    return ModelStore.from_config(config.models)


def build_router(config: Config, *, skills: bool = True, chat: bool = True,
                 controls: AssistantControls | None = None,
                 wallclock: object = datetime.now) -> Router:
    """The router with its chat model, memory and skills."""
    from assistant.engines.llm import load_chat_model

    store = model_store(config)
    chat_model = load_chat_model(config.llm, store) if chat else None
    count = chat_model.count_tokens if chat_model is not None else _rough_tokens
    memory = ConversationMemory(max_tokens=config.memory.max_tokens, count_tokens=count)
    controls = controls or AssistantControls(memory)
    controls.attach_memory(memory)
    skill_set = None
    if skills:
        from assistant.skills import Skills

        skill_set = Skills.from_config(config.skills, controls=controls,
                                       wallclock=wallclock)  # type: ignore[arg-type]
    return Router(chat=chat_model, skills=skill_set, memory=memory,
                  system_prompt=config.llm.system_prompt,
                  max_reply_tokens=config.llm.max_reply_tokens)


def _rough_tokens(text: str) -> int:
    """About four characters per token, for when no tokenizer is loaded."""
    return max(1, len(text) // 4)
