"""Open questions answered from a source: the encyclopedia's best passages go into the
chat model's prompt, so that it rephrases them instead of its memory.

The passages are put into the question's own turn, after everything that stays the same
from turn to turn (system prompt, examples, remembered turns), so llama.cpp's cached
prefix still covers all of that and only the question and its context are read anew.
A passage is shown only when the question names its subject (every word of its title,
"Who invented the telephone?" -> Telephone): BM25 alone also ranks a summary that merely
shares a word with the question ("tallest mountain" -> Angel Falls, "closest star" ->
Variable star), and such a passage misled the model into wrong answers it did not give
without it (README "Knowledge"). `min_score` can demand a BM25 score on top.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from assistant.engines.llm import ChatMessage, ChatModel
from assistant.knowledge.facts import Passage

MAX_PASSAGE_CHARS = 700
"""A summary is cut (at a sentence end) to about this length: the first sentences say
what the thing is, and every extra token is read before the first word is spoken."""
CONTEXT_TEMPLATE = "Reference ({title}, Wikipedia): {text}"
QUESTION_TEMPLATE = "{context}\n\nQuestion: {question}"

Retrieve = Callable[[str], list[Passage]]
"""The passages for a question, best first."""


@dataclass(frozen=True)
class GroundingSettings:
    passages: int = 1
    """How many passages go into the prompt (each costs about 150 tokens to read)."""
    min_score: float = 0.0
    """The BM25 score a passage needs (0 = any match)."""
    named_only: bool = True
    """Only passages whose title the question names (see the module)."""


_WORD = re.compile(r"[^\W_]+")
_PARENTHESES = re.compile(r"\([^)]*\)")


def _stem(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") else word


def names_subject(question: str, title: str) -> bool:
    """True when every word of `title` (without a parenthesis: "Mercury (planet)") is in
    `question`, plurals aside."""
    asked = {_stem(w) for w in _WORD.findall(question.lower())}
    wanted = {_stem(w) for w in _WORD.findall(_PARENTHESES.sub("", title).lower())}
    return bool(wanted) and wanted <= asked


def cut_passage(text: str, limit: int = MAX_PASSAGE_CHARS) -> str:
    """`text` up to the last sentence end before `limit` characters (the first sentence
    whole, however long)."""
    if len(text) <= limit:
        return text
    end = max(text.rfind(". ", 0, limit), text.find(". "))
    return text[:end + 1] if end > 0 else text[:limit]


def grounded_question(question: str, passages: Sequence[Passage]) -> str:
    """The question's turn with its context in front of it."""
    if not passages:
        return question
    context = "\n".join(CONTEXT_TEMPLATE.format(title=p.title, text=cut_passage(p.text))
                        for p in passages)
    return QUESTION_TEMPLATE.format(context=context, question=question)


class Grounding:
    """Finds the passages an open question is answered from (see the module): what the
    router puts into a chat-model turn, and `GroundedChat` into every turn."""

    def __init__(self, retrieve: Retrieve, *,
                 settings: GroundingSettings = GroundingSettings()) -> None:
        self._retrieve = retrieve
        self._settings = settings

    def passages(self, question: str) -> list[Passage]:
        """The passages for `question` that pass the settings, best first."""
        settings = self._settings
        if settings.passages <= 0:
            return []
        found = [p for p in self._retrieve(question) if p.score >= settings.min_score
                 and (not settings.named_only or names_subject(question, p.title))]
        return found[:settings.passages]


class GroundedChat:
    """A `ChatModel` that puts the passages for the last question into its turn."""

    def __init__(self, chat: ChatModel, retrieve: Retrieve, *,
                 settings: GroundingSettings = GroundingSettings()) -> None:
        self._chat = chat
        self._grounding = Grounding(retrieve, settings=settings)
        self.name = chat.name
        self.context_tokens = chat.context_tokens
        self.last_passages: list[Passage] = []
        """What the latest reply was given (its sources)."""

    def passages(self, question: str) -> list[Passage]:
        """The passages for `question` that pass the settings, best first."""
        return self._grounding.passages(question)

    def count_tokens(self, text: str) -> int:
        return self._chat.count_tokens(text)

    def stream_reply(self, messages: Sequence[ChatMessage], *, max_tokens: int,
                     owner: str = "", cancel: threading.Event | None = None) -> Iterator[str]:
        messages, self.last_passages = self._grounded(messages)
        return self._chat.stream_reply(messages, max_tokens=max_tokens, owner=owner,
                                       cancel=cancel)

    def prepare(self, messages: Sequence[ChatMessage], *, max_tokens: int,
                owner: str = "") -> None:
        self._chat.prepare(self._grounded(messages)[0], max_tokens=max_tokens, owner=owner)

    def _grounded(self, messages: Sequence[ChatMessage]
                  ) -> tuple[list[ChatMessage], list[Passage]]:
        """`messages` with the passages for the last question in its turn, and those."""
        messages = list(messages)
        if not messages or messages[-1].role != "user":
            return messages, []
        passages = self.passages(messages[-1].content)
        messages[-1] = ChatMessage("user", grounded_question(messages[-1].content, passages))
        return messages, passages

    def use_all_cores(self, solo: bool) -> None:
        self._chat.use_all_cores(solo)

    def complete_json(self, messages: Sequence[ChatMessage], *, grammar: str,
                      max_tokens: int = 256) -> str:
        return self._chat.complete_json(messages, grammar=grammar, max_tokens=max_tokens)

    def close(self) -> None:
        self._chat.close()
