"""Run a step program under fixed choices as a stream of requests to an engine.

Both engines drive the same interpreter; only what they do with each request differs:

- a ``Step``: the command / operation issued (kind and name are its identity);
- ``PatchCall(id, deprecated)``: ``patched(id)`` / ``DBOS.patch`` (``deprecated=False``) or
  ``deprecate_patch`` (``True``); the engine sends back the bool the call returns;
- ``BLOCK``: the run awaits what it issued (a Temporal workflow task ends here);
- ``WAIT``: the run awaits something issued earlier (a ``Wait``): the task ends here unless that
  has already completed, which only the history can tell;
- ``DONE``: the program finished normally (Temporal issues the completion command).

An early ``Return`` ends the run (``finally`` blocks still run). ``asyncio.gather`` branches start
in order: each round runs every live branch up to its next blocking step, and the round's
blocked steps are awaited together (one workflow task per round).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Generator

from patchlint.model.program import (
    BLOCKING_KINDS,
    CONTINUE_AS_NEW,
    DBOS_STEP,
    DeprecatePatch,
    If,
    Loop,
    Node,
    Parallel,
    Patched,
    Return,
    Seq,
    Step,
    Try,
    Wait,
    walk,
)
from patchlint.semantics.choices import Choices, NO_EXCEPTION, if_value, loop_count, try_outcome


@dataclass(frozen=True)
class PatchCall:
    id: str
    deprecated: bool


class _Signal:
    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return self.name


BLOCK = _Signal("BLOCK")
WAIT = _Signal("WAIT")  # awaits something started earlier: blocks only if it has not completed
DONE = _Signal("DONE")

Request = Step | PatchCall | _Signal  # BLOCK, WAIT or DONE
Run = Generator[Request, object, None]


class _Returned(Exception):
    """An early return/raise unwinding the interpreter (``finally`` blocks run on the way)."""


def patch_key(patch_id: str | None) -> str:
    """A non-literal patch id still names one patch per call site's text; use a stable stand-in."""
    return patch_id if patch_id is not None else "<dynamic id>"


def _blocks_by_model(step: Step) -> bool:
    return step.kind in BLOCKING_KINDS or step.kind == DBOS_STEP


class Interpreter:
    """``blocks(step)`` says whether the run awaits ``step`` before issuing anything else (the
    engine decides: a Temporal local activity, for one, runs inside the workflow task)."""

    def __init__(self, program: Seq, choices: Choices, blocks: Callable[[Step], bool] = _blocks_by_model):
        self.program = program
        self.choices = choices
        self.blocks = blocks
        self._try_ordinal = {}
        for node in walk(program):
            if isinstance(node, Try):
                self._try_ordinal[id(node)] = len(self._try_ordinal)

    def run(self) -> Run:
        """The whole workflow: its requests, then ``DONE`` unless it continued-as-new."""
        try:
            yield from self.node(self.program)
        except _Returned:
            pass
        except _ContinuedAsNew:
            return
        yield DONE

    def node(self, node: Node) -> Run:
        if isinstance(node, Step):
            yield node
            if node.kind == CONTINUE_AS_NEW:
                raise _ContinuedAsNew()
            if self.blocks(node):
                yield BLOCK
        elif isinstance(node, Seq):
            for item in node.items:
                yield from self.node(item)
        elif isinstance(node, If):
            yield from self.node(node.then if if_value(self.choices, node.cond) else node.orelse)
        elif isinstance(node, Patched):
            taken = yield PatchCall(patch_key(node.id), False)
            yield from self.node(node.new if taken else node.old)
        elif isinstance(node, DeprecatePatch):
            yield PatchCall(patch_key(node.id), True)
        elif isinstance(node, Loop):
            for _ in range(loop_count(self.choices, node.cond)):
                yield from self.node(node.body)
            yield from self.node(node.orelse)
        elif isinstance(node, Try):
            yield from self._try(node)
        elif isinstance(node, Parallel):
            yield from self._parallel(node)
        elif isinstance(node, Return):
            raise _Returned()
        elif isinstance(node, Wait):
            yield WAIT

    def _try(self, node: Try) -> Run:
        outcome = try_outcome(self.choices, self._try_ordinal.get(id(node), -1))
        try:
            yield from self.node(node.body)
            if outcome != NO_EXCEPTION and outcome < len(node.handlers):
                yield from self.node(node.handlers[outcome])
            else:
                yield from self.node(node.orelse)
        except (_Returned, _ContinuedAsNew):
            yield from self.node(node.final)
            raise
        yield from self.node(node.final)

    def _parallel(self, node: Parallel) -> Run:
        runs = [self.node(branch) for branch in node.branches]
        replies: list[object] = [None] * len(runs)
        live = list(range(len(runs)))
        while live:
            blocked = False
            for i in list(live):
                reply = replies[i]
                while True:
                    try:
                        request = runs[i].send(reply)
                    except StopIteration:
                        live.remove(i)
                        break
                    if request is BLOCK or request is WAIT:
                        blocked = True
                        replies[i] = None
                        break
                    reply = yield request
            if blocked:
                yield BLOCK


class _ContinuedAsNew(Exception):
    """``continue_as_new`` closes the run: nothing after it is issued, no completion command."""
