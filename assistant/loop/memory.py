"""Conversation memory for follow-up questions: in RAM only, bounded by tokens.

When the bound is exceeded the oldest turns go first. Nothing here is written to disk.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence

from assistant.engines.llm import MESSAGE_OVERHEAD_TOKENS, ChatMessage, prompt_prefix
from assistant.loop.events import Route


class ConversationMemory:
    """The recent exchanges (user, assistant), newest last."""

    def __init__(self, *, max_tokens: int, count_tokens: Callable[[str], int]) -> None:
        self._max_tokens = max_tokens
        self._count = count_tokens
        self._turns: deque[tuple[str, str, int]] = deque()
        self._tokens = 0

    @property
    def tokens(self) -> int:
        return self._tokens

    def __len__(self) -> int:
        return len(self._turns)

    def add(self, user: str, assistant: str) -> None:
        cost = self._count(user) + self._count(assistant) + 2 * MESSAGE_OVERHEAD_TOKENS
        self._turns.append((user, assistant, cost))
        self._tokens += cost
        while self._turns and self._tokens > self._max_tokens:
            self._tokens -= self._turns.popleft()[2]

    def questions(self) -> list[str]:
        """The remembered questions, oldest first."""
        return [user for user, _, _ in self._turns]

    def clear(self) -> None:
        self._turns.clear()
        self._tokens = 0

    def messages(self, system_prompt: str, question: str, *,
                 examples: Sequence[tuple[str, str]] = ()) -> list[ChatMessage]:
        """The prompt for the next reply: system, few-shot examples, remembered turns,
        the question."""
        out = prompt_prefix(system_prompt, examples)
        for user, assistant, _ in tuple(self._turns):  # one copy: turns may be added meanwhile
            out += [ChatMessage("user", user), ChatMessage("assistant", assistant)]
        out.append(ChatMessage("user", question))
        return out


def remember_turn(memory: ConversationMemory, *, route: Route, question: str, answer: str,
                  interrupted: bool, guard_failed: bool = False) -> None:
    """What a finished turn leaves in memory. Memory is for the chat model's follow-ups:
    commands would only distract it, an interrupted answer is a topic the user cut short,
    and an answer that failed the reply guard would teach the model its own mistake (one
    garbled answer turned every later one into word salad), so only whole chat-model
    answers that passed the guard are kept."""
    if route is Route.LLM and not interrupted and not guard_failed and question.strip() \
            and answer.strip():
        memory.add(question, answer)
