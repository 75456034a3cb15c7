"""The step program of a workflow: a plain, immutable tree that every later stage walks.

Extraction (libcst) builds it; the diff, the runtime and the reports only read it.
Nothing here knows about source text beyond the positions it carries.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Step kinds. Temporal commands:
ACTIVITY = "activity"
LOCAL_ACTIVITY = "local_activity"
TIMER = "timer"
CHILD_WORKFLOW = "child_workflow"
SIGNAL_EXTERNAL = "signal_external"
CANCEL_EXTERNAL = "cancel_external"
CONTINUE_AS_NEW = "continue_as_new"
UPSERT_SEARCH_ATTRIBUTES = "upsert_search_attributes"
UPSERT_MEMO = "upsert_memo"  # ModifyWorkflowProperties (event WorkflowPropertiesModified)
NEXUS_OPERATION = "nexus_operation"  # ScheduleNexusOperation (event NexusOperationScheduled)
# DBOS operations: every one takes a function_id; ``slots`` says how many.
DBOS_STEP = "dbos_step"  # @DBOS.step / @DBOS.transaction / child @DBOS.workflow / DBOS.* built-ins
DBOS_SLEEP = "DBOS.sleep"  # the name DBOS records for a sleep (also the timeout row of recv/get_event)

# Temporal steps after which a workflow can sit paused (the workflow task ends waiting on them).
# Search-attribute upserts and patch markers ride along with the next command, and a local
# activity runs inside the workflow task: its marker is recorded with the task's other commands.
BLOCKING_KINDS = frozenset({ACTIVITY, TIMER, CHILD_WORKFLOW, SIGNAL_EXTERNAL, CANCEL_EXTERNAL, NEXUS_OPERATION})


@dataclass(frozen=True)
class Span:
    """Where a node sits in its source file: 1-based lines, 0-based columns."""

    line: int
    column: int
    end_line: int
    end_column: int


NOWHERE = Span(0, 0, 0, 0)


def _origin():
    """Where a node came from (the libcst node and its module), kept out of equality and repr so
    that positions can be computed lazily, only for the nodes a finding reports."""
    return field(default=None, compare=False, hash=False, repr=False)


def locate(obj) -> Span:
    """The source span of a model node: computed on demand from its origin, else its ``span``.

    Read positions only through this. Extraction gives the nodes a finding can point at (``Step``,
    ``Patched``, ``DeprecatePatch``, ``Workflow``, ``HandlerDef``, ``Unclassified``) their origin and
    leaves ``span`` ``NOWHERE``; ``span`` is the position of a node built by hand, without source
    (tests). Branches, loops, returns and waits carry no position: ``NOWHERE``."""
    src = getattr(obj, "src", None)
    if src is not None:
        return src.span(obj.node)
    return getattr(obj, "span", NOWHERE)


def source_of(workflow) -> str | None:
    """The source text of a workflow's function as ``inspect.getsource`` gives it (decorators and
    body, comments inside included), computed on demand; None when the model has no origin."""
    src, definition = getattr(workflow, "src", None), getattr(workflow, "definition", None)
    return src.text_of(definition) if src is not None and definition is not None else None


@dataclass(frozen=True)
class Step:
    """One command (Temporal) or one numbered operation (DBOS) the workflow issues.

    ``kind`` and ``name`` are the identity the engine checks on replay; ``args`` is the source text
    of the arguments, which the engine does not check (used only to spot silent same-type reorders).
    ``slots`` is how many DBOS function ids the operation takes (``recv``/``get_event`` take two:
    the call and its timeout sleep, the sleep's row written first).
    """

    kind: str
    name: str
    span: Span = NOWHERE
    args: str = ""
    slots: int = 1
    path: str = ""  # file the step's call is written in (helpers may live in other modules)
    # False for ``workflow.start_activity(...)`` kept as a handle: the command goes out but the
    # workflow does not wait for it there (a later ``await`` of the handle is a ``Wait``).
    awaited: bool = True
    node: object = _origin()
    src: object = _origin()

    @property
    def identity(self) -> tuple[str, str]:
        return (self.kind, self.name)

    def label(self) -> str:
        if self.kind == TIMER:
            return "timer"
        if self.kind == DBOS_STEP:
            return self.name
        return f"{self.kind.replace('_', ' ')} {self.name}"


@dataclass(frozen=True)
class Seq:
    items: tuple[Node, ...] = ()


@dataclass(frozen=True)
class If:
    """A plain branch. ``cond`` is the normalised source text of the test: the same text in old and
    new revisions means the same outcome for the same run."""

    cond: str
    then: Seq
    orelse: Seq


@dataclass(frozen=True)
class Patched:
    """``if workflow.patched(id): new else: old`` (or ``DBOS.patch``). Stacked patches nest in
    ``old``. ``id`` is None when the id is not a string literal."""

    id: str | None
    new: Seq
    old: Seq
    span: Span = NOWHERE
    negated: bool = False  # written as ``if not patched(id): old else: new``
    path: str = ""
    node: object = _origin()
    src: object = _origin()


@dataclass(frozen=True)
class DeprecatePatch:
    id: str | None
    span: Span = NOWHERE
    path: str = ""
    node: object = _origin()
    src: object = _origin()


@dataclass(frozen=True)
class Loop:
    """``for``/``while``: the body runs 0, 1, 2… times; ``cond`` is the loop header text.

    ``count`` is the number of iterations when Python fixes it before the engine sees anything
    (``for x in ("a", "b")``, ``range(N)`` with a module constant ``N``); None when only the run
    knows (it is then a choice of the run, like an ``if``)."""

    cond: str
    body: Seq
    orelse: Seq = Seq()
    count: int | None = None


@dataclass(frozen=True)
class Try:
    body: Seq
    handlers: tuple[Seq, ...] = ()
    orelse: Seq = Seq()
    final: Seq = Seq()


@dataclass(frozen=True)
class Parallel:
    """``asyncio.gather``/``asyncio.wait``/a set of started handles: branches start in order."""

    branches: tuple[Seq, ...]


@dataclass(frozen=True)
class Return:
    """An early return (or raise): nothing after it in the enclosing workflow runs."""


@dataclass(frozen=True)
class Wait:
    """The workflow awaits something that is not a new command (``await handle`` of an activity
    started earlier, ``wait_condition`` without a timeout): a Temporal workflow task ends here."""


Node = Step | Seq | If | Patched | DeprecatePatch | Loop | Try | Parallel | Return | Wait


@dataclass(frozen=True)
class HandlerDef:
    """Where a Temporal signal/update handler is defined: ``key`` is its ``Workflow.handlers`` key
    (``"signal approve"``); ``node`` the name of its ``def``."""

    key: str
    path: str = ""
    node: object = _origin()
    src: object = _origin()


@dataclass(frozen=True)
class Unclassified:
    """A call inside a workflow that reaches an engine object (``DBOS``, a DBOS datasource, a
    Temporal handle…) but that patchlint does not model: shown by ``patchlint steps`` so users can
    see what patchlint does not see. ``text`` is the call's source text (callee only)."""

    text: str
    path: str = ""
    node: object = _origin()
    src: object = _origin()


@dataclass(frozen=True)
class Workflow:
    """One workflow type: its engine, type name, where it is defined, and its step program.

    For Temporal the program is the ``@workflow.run`` method (handlers are kept apart in
    ``handlers`` since their commands interleave with the main program at signal time)."""

    engine: str  # "temporal" | "dbos"
    name: str
    path: str
    span: Span
    program: Seq
    handlers: tuple[tuple[str, Seq], ...] = ()
    is_async: bool = True
    node: object = _origin()  # the name of the class / function
    src: object = _origin()
    definition: object = _origin()  # the function definition itself (DBOS: its source is hashed)
    unclassified: tuple[Unclassified, ...] = field(default=(), compare=False)
    handler_defs: tuple[HandlerDef, ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class ModuleModel:
    path: str
    workflows: tuple[Workflow, ...] = field(default_factory=tuple)


def walk(node: Node):
    """Yield every node of a program, depth first, in source order."""
    yield node
    if isinstance(node, Seq):
        for item in node.items:
            yield from walk(item)
    elif isinstance(node, If):
        yield from walk(node.then)
        yield from walk(node.orelse)
    elif isinstance(node, Patched):
        yield from walk(node.new)
        yield from walk(node.old)
    elif isinstance(node, Loop):
        yield from walk(node.body)
        yield from walk(node.orelse)
    elif isinstance(node, Try):
        yield from walk(node.body)
        for handler in node.handlers:
            yield from walk(handler)
        yield from walk(node.orelse)
        yield from walk(node.final)
    elif isinstance(node, Parallel):
        for branch in node.branches:
            yield from walk(branch)


def steps_of(node: Node) -> list[Step]:
    return [n for n in walk(node) if isinstance(n, Step)]


def patch_ids(node: Node) -> set[str]:
    """Ids of every ``patched``/``deprecate_patch`` call in a program."""
    return {n.id for n in walk(node) if isinstance(n, (Patched, DeprecatePatch)) and n.id is not None}


def is_empty(node: Node) -> bool:
    """True when a program issues no step, patch or early return at all."""
    return not any(isinstance(n, (Step, Patched, DeprecatePatch, Return)) for n in walk(node))
