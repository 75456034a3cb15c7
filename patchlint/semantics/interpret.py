"""The one interpreter: a step program, run under a ``Decider``, as a stream of requests to an engine.

Every consumer drives this interpreter — recording a run, replaying a history, the diff's traces,
``--verify`` and ``patchlint replay`` — and only what it does with each request differs:

- a ``Step``: the command / operation issued (kind and name are its identity);
- ``PatchCall(id, deprecated, node)``: ``patched(id)`` / ``DBOS.patch`` (``deprecated=False``) or
  ``deprecate_patch`` (``True``); the engine sends back the bool the call returns;
- ``Region(node, start, taken)``: the branch a patch call chose (``taken``: the new one) starts /
  ends (only the diff looks at these; engines ignore them);
- ``BLOCK``: the run awaits what it issued (a Temporal workflow task ends here);
- ``PAUSE``: the run awaits a result that comes in inside the workflow task (a Temporal local
  activity): the activation ends here, the task goes on once the result is in;
- ``WAIT``: the run awaits something issued earlier (a ``Wait``): the task ends here unless that
  has already completed, which only the history can tell;
- ``DONE``: the program finished normally (Temporal issues the completion command).

An early ``Return`` ends the run (``finally`` blocks still run). ``asyncio.gather`` branches start
in order: each round runs every live branch up to its next blocking step, and the round's
blocked steps are awaited together (one workflow task per round); branches that paused go on
first, alone, in the same task (their results come in before the task ends). ``continue_as_new`` closes the
run: nothing after it, no ``DONE``.

Which way a branch goes, how often a loop runs and whether a ``try`` raises is asked of the
``Decider`` (``patchlint.semantics.choices``): fixed choices for the diff and ``--verify``, or a
decider guided by a real history for ``patchlint replay``.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field

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
from patchlint.semantics.choices import NO_EXCEPTION, Decider, as_decider


@dataclass(frozen=True)
class PatchCall:
    id: str
    deprecated: bool
    node: object = field(default=None, compare=False, repr=False)  # the Patched / DeprecatePatch


@dataclass(frozen=True)
class Region:
    """The branch the patch ``node`` chose starts or ends here (``taken``: its new branch)."""

    node: object = field(compare=False, repr=False)
    start: bool = True
    taken: bool = False


class _Signal:
    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return self.name


BLOCK = _Signal("BLOCK")
PAUSE = _Signal("PAUSE")  # awaits a result that comes in inside the workflow task (a Temporal LA)
WAIT = _Signal("WAIT")  # awaits something started earlier: blocks only if it has not completed
DONE = _Signal("DONE")

Request = Step | PatchCall | Region | _Signal  # BLOCK, PAUSE, WAIT or DONE
Run = Generator[Request, object, None]
RunFactory = Callable[[], Iterator[Request]]  # a fresh request stream each call


class _Returned(Exception):
    """An early return/raise unwinding the interpreter (``finally`` blocks run on the way)."""


class _ContinuedAsNew(Exception):
    """``continue_as_new`` closes the run: nothing after it is issued, no completion command."""


def patch_key(patch_id: str | None) -> str:
    """A non-literal patch id still names one patch per call site's text; use a stable stand-in."""
    return patch_id if patch_id is not None else "<dynamic id>"


def _blocks_by_model(step: Step) -> _Signal | None:
    return BLOCK if step.kind in BLOCKING_KINDS or step.kind == DBOS_STEP else None


def try_ordinals(program: Node) -> dict[int, int]:
    """``id(Try node)`` → its source ordinal: the ``try`` choice key of that node."""
    ordinals: dict[int, int] = {}
    for node in walk(program):
        if isinstance(node, Try):
            ordinals[id(node)] = len(ordinals)
    return ordinals


class Interpreter:
    """``blocks(step)`` says how the run awaits ``step`` before issuing anything else: ``BLOCK``,
    ``PAUSE`` or not at all (None); the engine decides (a Temporal local activity, for one, runs
    inside the workflow task: ``PAUSE``)."""

    def __init__(self, program: Seq, choices, blocks: Callable[[Step], _Signal | None] = _blocks_by_model):
        self.program = program
        self.decider: Decider = as_decider(choices)
        self.blocks = blocks
        self._try_ordinal = try_ordinals(program)

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
            signal = self.blocks(node)
            if signal is not None:
                yield signal
        elif isinstance(node, Seq):
            for item in node.items:
                yield from self.node(item)
        elif isinstance(node, If):
            yield from self.node(node.then if self.decider.if_value(node.cond) else node.orelse)
        elif isinstance(node, Patched):
            yield from self._patched(node)
        elif isinstance(node, DeprecatePatch):
            yield PatchCall(patch_key(node.id), True, node)
        elif isinstance(node, Loop):
            yield from self._loop(node)
        elif isinstance(node, Try):
            yield from self._try(node)
        elif isinstance(node, Parallel):
            yield from self._parallel(node)
        elif isinstance(node, Return):
            raise _Returned()
        elif isinstance(node, Wait):
            yield WAIT

    def _patched(self, node: Patched) -> Run:
        taken = bool((yield PatchCall(patch_key(node.id), False, node)))
        yield Region(node, start=True, taken=taken)
        try:
            yield from self.node(node.new if taken else node.old)
        except (_Returned, _ContinuedAsNew):
            yield Region(node, start=False, taken=taken)
            raise
        yield Region(node, start=False, taken=taken)

    def _loop(self, node: Loop) -> Run:
        iteration = 0
        while (iteration < node.count) if node.count is not None else self.decider.loop_again(node.cond, iteration):
            yield from self.node(node.body)
            iteration += 1
        yield from self.node(node.orelse)

    def _try(self, node: Try) -> Run:
        outcome = self.decider.try_outcome(self._try_ordinal.get(id(node), -1), len(node.handlers))
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
        ready = list(range(len(runs)))  # the branches that run in this round, in order
        held: list[int] = []  # branches blocked in this task: they go on in the next round
        while ready:
            paused: list[int] = []
            for i in ready:
                reply = replies[i]
                replies[i] = None
                while True:
                    try:
                        request = runs[i].send(reply)
                    except StopIteration:
                        break
                    if request is PAUSE:
                        paused.append(i)
                        break
                    if request is BLOCK or request is WAIT:
                        held.append(i)
                        break
                    reply = yield request
            if paused:
                yield PAUSE
                ready = paused
            else:
                if held:
                    yield BLOCK
                ready, held = sorted(held), []
