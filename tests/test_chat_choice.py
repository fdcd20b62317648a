"""Which chat model answers when the config leaves it unset: the language's first
installed model that fits the machine's memory, resolved once; a named model as named."""

from __future__ import annotations

import pytest

from assistant.assembly import chat_config, language_of, model_store
from assistant.config import Config, LlmConfig, ModelsConfig, load_config
from assistant.engines.chat_choice import GB, LARGE, SMALL, choose_chat_model
from assistant.language.packs import load_language

DEFAULTS = (LARGE, SMALL)
"""The registry's default chat models, best first."""
ZH_MODELS = (LARGE, "qwen2.5-1.5b-instruct-q4_k_m", "qwen2.5-0.5b-instruct-q4_k_m")


def everything(model: str) -> bool:
    return True


@pytest.mark.parametrize(("memory", "chosen"), [
    (16 * GB, LARGE), (3 * GB, LARGE), (3 * GB - 1, SMALL), (2 * GB, SMALL),
    (0, LARGE),  # unknown memory: the best model
])
def test_an_unset_model_is_chosen_by_memory(memory, chosen):
    choice = choose_chat_model(None, preferred=(), defaults=DEFAULTS,
                               installed=everything, memory_bytes=memory)
    assert choice.model == chosen
    if chosen == SMALL:
        assert f"{LARGE} needs more memory" in choice.reason


def test_the_first_installed_model_that_fits(tmp_path):
    choice = choose_chat_model(None, preferred=(), defaults=DEFAULTS,
                               installed=lambda m: m == SMALL,
                               memory_bytes=16 * GB)
    assert choice.model == SMALL
    nothing = choose_chat_model(None, preferred=(), defaults=DEFAULTS,
                               installed=lambda m: False,
                                memory_bytes=16 * GB)
    assert nothing.model == LARGE and "not installed" in nothing.reason  # loading says fetch


def test_a_named_model_is_used_as_named():
    for memory in (1 * GB, 64 * GB):
        assert choose_chat_model(SMALL, preferred=ZH_MODELS, defaults=DEFAULTS,
                               installed=lambda m: False,
                                 memory_bytes=memory).model == SMALL


def test_a_language_with_its_own_models_gets_none_when_none_is_installed():
    choice = choose_chat_model(None, preferred=ZH_MODELS, defaults=DEFAULTS,
                               installed=lambda m: False,
                               memory_bytes=16 * GB)
    assert choice.model is None and LARGE in choice.reason
    small_machine = choose_chat_model(None, preferred=ZH_MODELS, defaults=DEFAULTS,
                                      installed=lambda m: "0.5b" in m, memory_bytes=2 * GB)
    assert small_machine.model == "qwen2.5-0.5b-instruct-q4_k_m"


def test_mandarin_is_answered_by_the_1_5b_model_first():
    assert load_language("zh").chat.models[0] == LARGE


def test_the_config_default_is_unset_and_the_pi_profile_names_smollm2():
    assert LlmConfig().model is None and Config().llm.model is None
    assert load_config(None, profile="pi").llm.model == SMALL


def test_the_loader_resolves_once_from_the_store(tmp_path):
    config = Config(models=ModelsConfig(dir=str(tmp_path)))
    store = model_store(config)
    english = language_of(config)
    assert chat_config(config, english, store, memory_bytes=16 * GB).model == LARGE
    assert chat_config(config, english, store, memory_bytes=2 * GB).model == SMALL
    zh = Config(models=ModelsConfig(dir=str(tmp_path)), language="zh")
    assert chat_config(zh, language_of(zh), store, memory_bytes=16 * GB) is None  # none installed
