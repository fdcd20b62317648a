"""The intents matched by how a transcript sounds: the nearest template, and how near.

When no template matches a transcript exactly, not on its characters nor on its pinyin,
the recognizer may still have heard a command and written near-homophones ("帮我把厨房
的登官轮" for 灯关了), dropped or added a particle, or misheard one syllable of a number.
Here every template of the pack (its expansion rules, its lists and the home's names
inlined) is compiled into one graph of syllables, and the transcript is aligned with the
graph at the least cost (a Viterbi search, pruned to a beam): a syllable written for
another costs their distance (`sounds.distance`), one added or left out costs 1 (a
particle or skip word 0.3), a word taken by a wildcard slot 0.5 (a number 0). The cost over
the longer of the two lengths is the match's distance; the caller keeps a match under its
threshold.

A slot whose words were not heard exactly (a device name with a syllable off, a number
read from a syllable that sounds like one) is marked doubtful: the skills then ask
whether that was meant, instead of acting on a guess. Each match also carries the sentence
as the template says it (`heard_as`), for that question.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hassil import Intents
from hassil.expression import (
    Alternative,
    Expression,
    ListReference,
    Permutation,
    RuleReference,
    TextChunk,
)
from hassil.expression import Sequence as Seq
from hassil.intents import IntentData, RangeSlotList, SlotList, TextSlotList, WildcardSlotList

from assistant.intents import slot_values
from assistant.language.zh import sounds

PARTICLE_COST = 0.3
WILDCARD_COST = 0.5
BEAM = 1.2
"""States costlier than the column's best by more than this are dropped."""
MAX_STATES = 1000

_EPS, _TOK, _NUM, _ANY, _OPEN, _CLOSE = range(6)
_SUB, _INS, _DEL = 10, 11, 12


@dataclass(frozen=True)
class Token:
    """One unit of text: its sound (a fuzzy syllable, a number, a word) and how it is
    written."""

    sound: str
    written: str

    @property
    def is_number(self) -> bool:
        try:
            float(self.sound)
        except ValueError:
            return False
        return True


@dataclass(frozen=True)
class NearMatch:
    """The nearest template to a transcript: its intent and slots, how far it is (cost
    per token, 0 = heard exactly), the slots not heard exactly, and the sentence as the
    template says it."""

    intent: str
    slots: dict[str, Any]
    distance: float
    doubtful: tuple[str, ...]
    heard_as: str
    unheard: bool = False
    """None of its named slots was heard, not one syllable of them: only the words around
    them matched ("一年有几个月" is near "一码有几个克", both units misheard)."""


@dataclass
class _Slot:
    name: str
    value: Any
    kind: str
    tokens: list[Token] = field(default_factory=list)
    steps: list[tuple[int, float]] = field(default_factory=list)
    """(kind, cost) of each step inside the slot."""

    @property
    def cost(self) -> float:
        """What the slot's own words cost: syllables heard added at its edges belong to
        the words around it ("帮我把厨房的灯": 我 and 把 are not part of the name)."""
        steps = list(self.steps)
        while steps and steps[0][0] == _INS:
            steps.pop(0)
        while steps and steps[-1][0] == _INS:
            steps.pop()
        return sum(cost for _, cost in steps)

    @property
    def unheard(self) -> bool:
        """A name none of whose syllables was heard as it is said."""
        return self.kind == "text" and not any(
            kind == _SUB and cost == 0 for kind, cost in self.steps)


class SoundGraph:
    """The templates of one pack as a graph of tokens; `nearest` aligns a transcript."""

    def __init__(self, *, tokenize: Callable[[str], list[Token]],
                 number_of: Callable[[Token], tuple[float, float] | None],
                 say_number: Callable[[float], str], particles: Iterable[str]) -> None:
        """`tokenize` splits text into tokens; `number_of` reads a token that is not
        digits as a number, with its cost (None: it is not one); `say_number` writes a
        number in the sentence a question repeats."""
        self._tokenize = tokenize
        self._number_of = number_of
        self._say_number = say_number
        self._particles = frozenset(particles)
        self._skippable = self._particles
        """Cheap to hear added: the particles and the syllables of the skip words."""
        self._edges: list[list[tuple[int, int, Any]]] = [[]]
        self._accept: dict[int, tuple[str, IntentData]] = {}

    @classmethod
    def build(cls, intents: Intents, lists: Mapping[str, SlotList], *,
              exclude: Iterable[str] = (), **hooks: Any) -> SoundGraph:
        """The graph of every template of `intents` but the `exclude`d intents; `lists`
        are the lists the caller provides (the home's names)."""
        graph = cls(**hooks)
        graph._skippable = graph._particles | {t.sound for word in intents.skip_words
                                               for t in graph._tokenize(word)}
        excluded = set(exclude)
        for intent in intents.intents.values():
            if intent.name in excluded:
                continue
            for data in intent.data:
                compiler = _Compiler(graph, intents, data, lists)
                for sentence in data.sentences:
                    start = graph._new()
                    graph._edge(0, _EPS, start)
                    graph._accept[compiler.compile(sentence.expression, start)] = (
                        intent.name, data)
        return graph

    @property
    def size(self) -> int:
        return len(self._edges)

    def _new(self) -> int:
        self._edges.append([])
        return len(self._edges) - 1

    def _edge(self, src: int, kind: int, dst: int, payload: Any = None) -> None:
        self._edges[src].append((kind, dst, payload))

    # -- the search ------------------------------------------------------------------------

    def nearest(self, text: str, *, limit: int = 5) -> list[NearMatch]:
        """The `limit` nearest templates to `text` (one per template end), nearest first."""
        tokens = self._tokenize(text)
        if not tokens:
            return []
        columns = [self._closure({0: 0.0}, {0: None})]
        for i, token in enumerate(tokens):
            columns.append(self._closure(*self._advance(columns[-1][0], token, i)))
        last, _ = columns[-1]
        ends = sorted((cost, state) for state, cost in last.items() if state in self._accept)
        found = []
        for cost, state in ends[:limit]:
            ops = self._path(columns, len(tokens), state)
            found.append(self._result(ops, cost, tokens, state))
        return sorted(found, key=lambda m: m.distance)

    def _advance(self, column: dict[int, float], token: Token, i: int
                 ) -> tuple[dict[int, float], dict[int, Any]]:
        costs: dict[int, float] = {}
        back: dict[int, Any] = {}

        def relax(state: int, cost: float, how: Any) -> None:
            if cost < costs.get(state, float("inf")):
                costs[state] = cost
                back[state] = how

        insert = PARTICLE_COST if token.sound in self._skippable else 1.0
        for state, cost in column.items():
            relax(state, cost + insert, (state, _INS, token))
            for kind, dst, payload in self._edges[state]:
                if kind == _TOK:
                    relax(dst, cost + sounds.distance(token.sound, payload.sound),
                          (state, _SUB, (token, payload)))
                elif kind == _NUM:
                    number = self._number(token, payload)
                    if number is not None:
                        relax(dst, cost + number[1], (state, _NUM, (token, *number)))
                elif kind == _ANY:
                    relax(dst, cost + (0.0 if token.is_number else WILDCARD_COST),
                          (state, _ANY, token))
        if costs:
            best = min(costs.values())
            kept = sorted((c, s) for s, c in costs.items() if c <= best + BEAM)[:MAX_STATES]
            costs = {s: c for c, s in kept}
        return costs, back

    def _number(self, token: Token, numbers: RangeSlotList) -> tuple[float, float] | None:
        read = (float(token.sound), 0.0) if token.is_number else self._number_of(token)
        if read is None or not numbers.start <= read[0] <= numbers.stop:
            return None
        return read

    def _closure(self, costs: dict[int, float], back: dict[int, Any]
                 ) -> tuple[dict[int, float], dict[int, Any]]:
        """Moves that consume nothing (empty edges, slot marks, template tokens left out),
        in state order: every such edge leads to a later state."""
        heap = list(costs)
        heapq.heapify(heap)
        limit = min(costs.values(), default=0.0) + BEAM
        seen: set[int] = set()
        while heap:
            state = heapq.heappop(heap)
            if state in seen:
                continue
            seen.add(state)
            cost = costs[state]
            for kind, dst, payload in self._edges[state]:
                if kind in (_EPS, _OPEN, _CLOSE):
                    step, how = 0.0, (state, kind, payload)
                elif kind == _TOK:
                    step = PARTICLE_COST if payload.sound in self._particles else 1.0
                    how = (state, _DEL, payload)
                else:
                    continue
                if cost + step < costs.get(dst, limit):
                    costs[dst] = cost + step
                    back[dst] = how
                    heapq.heappush(heap, dst)
        return costs, back

    def _path(self, columns: list[tuple[dict[int, float], dict[int, Any]]], i: int,
              state: int) -> list[tuple[int, Any]]:
        ops: list[tuple[int, Any]] = []
        while True:
            how = columns[i][1].get(state)
            if how is None:
                return ops[::-1]
            previous, kind, payload = how
            ops.append((kind, payload))
            if kind in (_SUB, _INS, _NUM, _ANY):
                i -= 1
            state = previous

    def _result(self, ops: list[tuple[int, Any]], cost: float, tokens: Sequence[Token],
                state: int) -> NearMatch:
        intent, data = self._accept[state]
        slots: list[_Slot] = []
        open_slot: _Slot | None = None
        words: list[str] = []
        template_tokens = 0
        for kind, payload in ops:
            step = 0.0
            if kind == _OPEN:
                open_slot = _Slot(*payload)
            elif kind == _CLOSE and open_slot is not None:
                slots.append(open_slot)
                open_slot = None
            elif kind == _SUB:
                heard, said = payload
                step = sounds.distance(heard.sound, said.sound)
                words.append(said.written)
                template_tokens += 1
            elif kind == _DEL:
                step = PARTICLE_COST if payload.sound in self._particles else 1.0
                words.append(payload.written)
                template_tokens += 1
            elif kind == _INS:
                step = PARTICLE_COST if payload.sound in self._skippable else 1.0
            elif kind == _NUM:
                heard, value, step = payload
                words.append(self._say_number(value))
                template_tokens += 1
                if open_slot is not None:
                    open_slot.value = value
            elif kind == _ANY:
                words.append(payload.written)
                template_tokens += 1
            if open_slot is not None and kind in (_SUB, _DEL, _INS, _NUM, _ANY):
                open_slot.steps.append((kind, step))
                if kind in (_ANY, _INS):
                    open_slot.tokens.append(payload)
        values = dict(data.slots or {})
        entities = [(s.name, _value(s), s.kind == "wildcard") for s in slots]
        values.update(slot_values(entities))
        doubtful = tuple(dict.fromkeys(s.name for s in slots
                                       if s.cost > 0 and s.kind != "wildcard"))
        return NearMatch(intent=intent, slots=values,
                         distance=cost / max(len(tokens), template_tokens, 1),
                         doubtful=doubtful, heard_as="".join(words),
                         unheard=_all_unheard(slots))


def _all_unheard(slots: list[_Slot]) -> bool:
    named = [s for s in slots if s.kind == "text"]
    return bool(named) and all(s.unheard for s in named)


def _value(slot: _Slot) -> Any:
    if slot.kind == "wildcard":
        return "".join(t.written for t in slot.tokens)
    return slot.value


class _Compiler:
    """One template's expression into states of the graph (each new state after the
    states it is reached from, so empty moves always go forward)."""

    def __init__(self, graph: SoundGraph, intents: Intents, data: IntentData,
                 lists: Mapping[str, SlotList]) -> None:
        self._graph = graph
        self._rules = {**intents.expansion_rules, **data.expansion_rules}
        self._lists = {**lists, **intents.slot_lists, **data.slot_lists}

    def compile(self, expression: Expression, start: int) -> int:
        graph = self._graph
        if isinstance(expression, TextChunk):
            return self._chain(expression.text, start)
        if isinstance(expression, Permutation):
            orders = [Seq(items=list(order))
                      for order in itertools.permutations(expression.items)]
            return self.compile(Alternative(items=list(orders)), start)
        if isinstance(expression, Alternative):
            ends = []
            for item in expression.items:
                branch = graph._new()
                graph._edge(start, _EPS, branch)
                ends.append(self.compile(item, branch))
            end = graph._new()
            for branch_end in ends:
                graph._edge(branch_end, _EPS, end)
            if expression.is_optional:
                graph._edge(start, _EPS, end)
            return end
        if isinstance(expression, Seq):
            for item in expression.items:
                start = self.compile(item, start)
            return start
        if isinstance(expression, RuleReference):
            return self.compile(self._rules[expression.rule_name].expression, start)
        if isinstance(expression, ListReference):
            return self._list(expression, start)
        raise TypeError(f"unknown template expression {expression!r}")

    def _chain(self, text: str, start: int) -> int:
        graph = self._graph
        for token in graph._tokenize(text):
            state = graph._new()
            graph._edge(start, _TOK, state, token)
            start = state
        return start

    def _list(self, reference: ListReference, start: int) -> int:
        graph = self._graph
        slot_list = self._lists.get(reference.list_name)
        name = reference.slot_name
        if isinstance(slot_list, TextSlotList):
            ends = []
            for value in slot_list.values:
                opened = graph._new()
                graph._edge(start, _OPEN, opened, (name, value.value_out, "text"))
                ends.append(self.compile(value.text_in, opened))
            end = graph._new()
            for value_end in ends:
                graph._edge(value_end, _CLOSE, end)
            return end
        opened, inside, end = graph._new(), graph._new(), graph._new()
        if isinstance(slot_list, RangeSlotList):
            graph._edge(start, _OPEN, opened, (name, None, "range"))
            graph._edge(opened, _NUM, inside, slot_list)
        elif isinstance(slot_list, WildcardSlotList):
            graph._edge(start, _OPEN, opened, (name, None, "wildcard"))
            graph._edge(opened, _ANY, inside)
            graph._edge(inside, _ANY, inside)
        else:  # a list nobody provided: no way through
            return end
        graph._edge(inside, _CLOSE, end)
        return end
