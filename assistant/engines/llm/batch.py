"""Several rooms' replies written together: one llama.cpp decode step for every sequence.

llama.cpp keeps a KV cache per sequence in one context (`n_seq_max` sequences, one
unified buffer), and one `llama_decode` call takes a batch holding the next token of
every reply being written plus pieces of the prompts being read. `BatchedDecoder` runs
that loop on one worker thread:

- a new request joins at the next step: its prompt is read in the same batch as the
  other rooms' next tokens (at most `n_batch` tokens a step), then it writes with them;
- prompts share what they can: a sequence keeps its cache after its reply (a room's next
  turn reuses its own history), and a new one is given the longest cached prefix of any
  sequence (the system prompt and the examples, read once for every room) by
  `llama_memory_seq_cp`, which in a unified cache shares the cells, copying nothing;
- each reply has its own sampler chain (`sampling.py`) and `Handoff`: a reader that stops
  reading pauses only its sequence, one that goes away or is cancelled ends it;
- when the cache is full, idle sequences' caches are dropped first, then a prompt still
  being read waits for a reply to end.
"""

from __future__ import annotations

import codecs
import logging
import threading
from collections import deque
from typing import Any

from assistant.engines.llm.sampling import sampler_chain, token_bytes
from assistant.engines.llm.sequences import KvFull, Request, Sequence, common_prefix
from assistant.errors import AssistantError

log = logging.getLogger(__name__)

UBATCH = 128
"""Tokens llama.cpp computes at once (a longer prompt piece is split). Its scratch memory
grows with this times the cache's length: 306 MB at 512 against 76 MB at 128 for the 1.5B
model and 4,096 cells, and it becomes resident only as the cache fills, late in a long
run (tests/test_soak.py saw +64 MB after turn 200). A 700-token prompt reads as fast on
2 cores (6.8 s at 128 and 6.8-7.2 s at 512)."""


class BatchedDecoder:
    """Writes the replies of up to `sequences` requests at once, on one worker thread."""

    def __init__(self, model: Any, vocab: Any, *, sequences: int, context_tokens: int,
                 threads: int, batch_threads: int, n_batch: int = 512) -> None:
        import llama_cpp as low

        self._low = low
        self._vocab = vocab
        self._n_batch = n_batch
        params = low.llama_context_default_params()
        params.n_ctx = context_tokens
        params.n_batch = n_batch
        params.n_ubatch = min(n_batch, UBATCH)
        params.n_seq_max = sequences
        params.kv_unified = True
        params.flash_attn_type = low.LLAMA_FLASH_ATTN_TYPE_DISABLED  # as llama-cpp-python's
        params.n_threads = threads
        params.n_threads_batch = batch_threads
        self._ctx = low.llama_init_from_model(model, params)
        if self._ctx is None:
            raise AssistantError("llama.cpp could not make a context for the chat model")
        self._n_batch = low.llama_n_batch(self._ctx)  # at most n_ctx
        self._memory = low.llama_get_memory(self._ctx)
        # Zeroed now, the whole cache is resident from the start: its cells are taken in
        # turn across the buffer, so left untouched it would creep up to its full size
        # over hundreds of turns (tests/test_soak.py saw +64 MB) and look like a leak.
        low.llama_memory_clear(self._memory, True)
        self._batch = low.llama_batch_init(n_batch, 0, 1)
        self._threads = (threads, batch_threads)
        self.reply_threads = threads  # for a step of one token (`use_all_cores` sets it)
        self._batch_threads = batch_threads
        self._sequences = [Sequence(i) for i in range(sequences)]
        self._pending: deque[Request] = deque()
        self._deferred: list[Request] = []  # no cache room: pending when a reply ends
        self._cond = threading.Condition()
        self._closed = False
        self._uses = 0
        self._decoded = 0
        self.waited = 0  # prompts that waited for cache room
        self._worker = threading.Thread(target=self._run, name="chat-batch", daemon=True)
        self._worker.start()

    # -- the callers' side -------------------------------------------------------------------

    def submit(self, request: Request) -> None:
        with self._cond:
            if self._closed:
                raise AssistantError("the chat model is closed")
            self._pending.append(request)
            self._cond.notify_all()

    def wake(self) -> None:
        """A reader took a piece or went away: a paused sequence may go on."""
        with self._cond:
            self._cond.notify_all()

    @property
    def active(self) -> int:
        """Sequences serving a request now (for tests and the benchmark)."""
        with self._cond:
            return sum(s.request is not None for s in self._sequences)

    @property
    def decoded(self) -> int:
        """Tokens read into the cache so far (prompts and replies)."""
        return self._decoded

    def settle(self, timeout_s: float) -> bool:
        """Wait until no request is waiting or being served; False after `timeout_s`."""
        with self._cond:
            return self._cond.wait_for(
                lambda: not self._pending and not self._deferred and not self._busy(),
                timeout=timeout_s)

    def close(self) -> None:
        with self._cond:
            if self._closed:
                return
            self._closed = True
            self._cond.notify_all()
        self._worker.join()
        stopped = AssistantError("the chat model was closed mid-reply")
        for sequence in self._sequences:
            self._end(sequence, stopped if sequence.request is not None else None)
        for request in [*self._pending, *self._deferred]:
            request.pieces.finish(stopped)
        self._low.llama_batch_free(self._batch)
        self._low.llama_free(self._ctx)

    # -- the worker ----------------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            with self._cond:
                while not (self._closed or self._startable() or self._runnable()
                           or any(r.dropped for r in [*self._pending, *self._deferred])):
                    self._cond.wait(timeout=None if not self._busy() else 0.2)
                if self._closed:
                    return
                starting = self._take_pending()
            for sequence, request in starting:
                try:
                    self._start(sequence, request)
                except Exception as error:  # noqa: BLE001 - this request's own problem
                    self._forget(sequence)
                    self._end(sequence, error)
            try:
                self._step()
            except Exception as error:  # noqa: BLE001 - every reply in the step hears it
                log.warning("chat model step failed: %s", error)
                for sequence in self._sequences:
                    if sequence.request is not None:
                        self._forget(sequence)
                        self._end(sequence, error)
            finally:
                self._drop_waiting()
                with self._cond:
                    self._cond.notify_all()  # for `settle`

    def _drop_waiting(self) -> None:
        """End the requests still waiting for a sequence or for room whose reader left."""
        with self._cond:
            dropped = [r for r in [*self._pending, *self._deferred] if r.dropped]
            for request in dropped:
                if request in self._pending:
                    self._pending.remove(request)
                else:
                    self._deferred.remove(request)
        for request in dropped:
            request.pieces.finish()

    def _busy(self) -> bool:
        return any(s.request is not None for s in self._sequences)

    def _startable(self) -> bool:
        return bool(self._pending) and any(s.request is None for s in self._sequences)

    def _runnable(self) -> bool:
        return any(s.request is not None and (s.todo or s.request.dropped
                                              or not s.request.pieces.full)
                   for s in self._sequences)

    def _take_pending(self) -> list[tuple[Sequence, Request]]:
        out = []
        free = [s for s in self._sequences if s.request is None]
        while self._pending and free:
            request = self._pending.popleft()
            if request.dropped:
                request.pieces.finish()
                continue
            sequence = max(free, key=lambda s: (common_prefix(s.cached, request.tokens), -s.used))
            free.remove(sequence)
            sequence.request = request
            out.append((sequence, request))
        return out

    def _start(self, sequence: Sequence, request: Request) -> None:
        """Give `sequence` the longest cached prefix of `request`'s prompt, and its
        sampler."""
        low, tokens = self._low, request.tokens
        if not tokens:
            raise AssistantError("an empty prompt")
        most = len(tokens) - 1  # the last prompt token is read again: its logits are needed
        own = min(common_prefix(sequence.cached, tokens), most)
        donor = max(self._sequences, key=lambda s: common_prefix(s.cached, tokens))
        shared = min(common_prefix(donor.cached, tokens), most)
        if donor is not sequence and shared > own:
            low.llama_memory_seq_rm(self._memory, sequence.seq_id, 0, -1)
            low.llama_memory_seq_cp(self._memory, donor.seq_id, sequence.seq_id, 0, shared)
            sequence.cached = tokens[:shared]
        else:
            low.llama_memory_seq_rm(self._memory, sequence.seq_id, own, -1)
            sequence.cached = tokens[:own]
        sequence.todo = tokens[len(sequence.cached):]
        sequence.next_token = None
        sequence.written = 0
        sequence.text = codecs.getincrementaldecoder("utf-8")("replace")
        self._uses += 1
        sequence.used = self._uses
        if request.max_tokens > 0:
            sequence.sampler = sampler_chain(self._vocab, request.sampling)

    def _step(self) -> None:
        """One decode: every writing sequence's next token, then prompt pieces."""
        for sequence in self._sequences:
            if sequence.request is not None and sequence.request.dropped:
                self._end(sequence, None)
        writing = [s for s in self._sequences if s.request is not None and not s.todo
                   and s.next_token is not None and not s.request.pieces.full]
        reading = sorted((s for s in self._sequences if s.request is not None and s.todo),
                         key=lambda s: s.used)
        while True:
            outputs = self._fill(writing, reading)
            if not self._batch.n_tokens:
                return
            self._set_threads()
            status = self._low.llama_decode(self._ctx, self._batch)
            if status == 0:
                break
            if status != 1:
                raise AssistantError(f"llama_decode failed ({status})")
            writing, reading = self._make_room(writing, reading)
        self._commit(writing, reading)
        for sequence, index in outputs:
            self._sample(sequence, index)

    def _fill(self, writing: list[Sequence], reading: list[Sequence]
              ) -> list[tuple[Sequence, int]]:
        """Put the step's tokens in the batch; the sequences whose logits it yields, with
        their index in the batch."""
        batch, outputs, n = self._batch, [], 0

        def add(sequence: Sequence, token: int, pos: int, logits: bool) -> None:
            nonlocal n
            batch.token[n] = token
            batch.pos[n] = pos
            batch.n_seq_id[n] = 1
            batch.seq_id[n][0] = sequence.seq_id
            batch.logits[n] = logits
            if logits:
                outputs.append((sequence, n))
            n += 1

        for sequence in writing:
            assert sequence.next_token is not None
            add(sequence, sequence.next_token, len(sequence.cached), True)
        for sequence in reading:
            room = self._n_batch - n
            if room <= 0:
                break
            piece = sequence.todo[:room]
            base = len(sequence.cached)
            for i, token in enumerate(piece):
                last = i == len(piece) - 1 and len(piece) == len(sequence.todo)
                add(sequence, token, base + i, last)
        batch.n_tokens = n
        return outputs

    def _commit(self, writing: list[Sequence], reading: list[Sequence]) -> None:
        """After a decode: what the batch read is in each sequence's cache."""
        self._decoded += self._batch.n_tokens
        for sequence in writing:
            assert sequence.next_token is not None
            sequence.cached.append(sequence.next_token)
            sequence.next_token = None
        room = self._n_batch - len(writing)
        for sequence in reading:
            if room <= 0:
                break
            piece = sequence.todo[:room]
            sequence.cached += piece
            sequence.todo = sequence.todo[len(piece):]
            room -= len(piece)

    def _sample(self, sequence: Sequence, index: int) -> None:
        request = sequence.request
        assert request is not None
        if request.max_tokens <= 0:  # read ahead: the prompt is in the cache, done
            self._end(sequence, None)
            return
        low = self._low
        token = low.llama_sampler_sample(sequence.sampler, self._ctx, index)
        if low.llama_vocab_is_eog(self._vocab, token):
            self._end(sequence, None)
            return
        if request.dropped:  # cancelled while this token was computed: not a word more
            self._end(sequence, None)
            return
        sequence.written += 1
        sequence.next_token = token
        piece = sequence.text.decode(token_bytes(self._vocab, token))
        gone = bool(piece) and not request.pieces.put(piece, wait=False)
        if gone or sequence.written >= request.max_tokens:
            self._end(sequence, None)

    def _make_room(self, writing: list[Sequence], reading: list[Sequence]
                   ) -> tuple[list[Sequence], list[Sequence]]:
        """The cache is full: drop idle sequences' caches; else put back the newest
        prompt being read (it waits for a reply to end); else, a reply alone that does
        not fit, end the newest reply."""
        low = self._low
        idle = [s for s in self._sequences if s.request is None and s.cached]
        if idle:
            for sequence in idle:
                low.llama_memory_seq_rm(self._memory, sequence.seq_id, 0, -1)
                sequence.cached = []
            return writing, reading
        others = sum(s.request is not None for s in self._sequences) > 1
        if reading and others:
            sequence = max(reading, key=lambda s: s.used)
            request = sequence.request
            assert request is not None
            self._forget(sequence)
            sequence.request = None
            self._free_sampler(sequence)
            self._deferred.append(request)
            self.waited += 1
            log.debug("the chat model's cache is full: a prompt waits for a reply to end")
            return writing, [s for s in reading if s is not sequence]
        if not others or not writing:  # alone, it does not fit
            victim = max(reading + writing, key=lambda s: s.used)
        else:  # replies only, some of them paused: the newest gives way
            victim = max(writing, key=lambda s: s.used)
        self._forget(victim)
        self._end(victim, KvFull("the conversation does not fit in the chat model's context "
                                 "(llm.context_tokens)"))
        return ([s for s in writing if s is not victim],
                [s for s in reading if s is not victim])

    def _forget(self, sequence: Sequence) -> None:
        self._low.llama_memory_seq_rm(self._memory, sequence.seq_id, 0, -1)
        sequence.cached = []
        sequence.todo = []
        sequence.next_token = None

    def _end(self, sequence: Sequence, error: BaseException | None) -> None:
        request, sequence.request = sequence.request, None
        if request is not None and self._deferred:
            with self._cond:
                self._pending.extendleft(reversed(self._deferred))
            self._deferred.clear()
        if request is not None:
            tail = sequence.text.decode(b"", final=True) if sequence.text else ""
            if tail and error is None:
                request.pieces.put(tail, wait=False)
            request.pieces.finish(error)
        if sequence.todo:  # a prompt read in part: its cache is of no use
            self._forget(sequence)
        sequence.next_token = None
        self._free_sampler(sequence)

    def _free_sampler(self, sequence: Sequence) -> None:
        if sequence.sampler is not None:
            self._low.llama_sampler_free(sequence.sampler)
            sequence.sampler = None

    def _set_threads(self) -> None:
        """llama.cpp takes the first count for a step of one token (one reply, writing
        beside the voice), the second for more (a prompt, or several replies: there the
        arithmetic, not reading the weights, is what takes the time)."""
        wanted = (self.reply_threads, self._batch_threads)
        if wanted != self._threads:
            self._threads = wanted
            self._low.llama_set_n_threads(self._ctx, *wanted)

