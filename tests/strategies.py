"""Hypothesis strategies: random workflow programs and random edits, rendered to real source.

A generated program is a small tree (``G*`` nodes below) that renders to a runnable workflow
module: Temporal, a ``@workflow.defn`` class ``Main`` whose ``@workflow.run async def run(self)``
awaits module-level ``@activity.defn`` activities (some as local activities), ``asyncio.sleep``
timers and child workflows,
with ``if flag("A"):`` branches, ``for _ in range(n_items()):`` loops (a flag and a count only the run
knows: Python cannot fix them before the engine sees the code), ``asyncio.gather``, helper
methods and ``workflow.patched`` guards; DBOS, a ``@DBOS.workflow()`` function ``main`` calling
``@DBOS.step()`` functions, ``DBOS.sleep``, ``DBOS.recv``, module-level helpers and ``DBOS.patch``
guards. ``step_identities`` gives the (kind, name) of every step in the order
``patchlint.model.program.walk`` visits them, for checking the extractor round-trips.

An edit changes the old program into the new one: insert, delete, swap, replace, append, add a
correct patch guard (old branch = exactly the old code), add a wrong one, change only arguments,
remove a patch (no deprecation), or deprecate a patch.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from hypothesis import strategies as st

ACTIVITIES = ("charge", "refund", "ship", "notify", "audit")
CHILDREN = ("ChildA", "ChildB")
DBOS_STEPS = ("reserve", "charge", "ship", "notify", "audit")
FLAGS = ("A", "B", "C")


@dataclass(frozen=True)
class GStep:
    kind: str  # temporal: activity | timer | child | local; dbos: step | sleep | recv
    name: str = ""
    arg: int = 1  # rendered into the call's arguments (timeouts, durations): never compared


@dataclass(frozen=True)
class GIf:
    flag: str
    then: tuple
    orelse: tuple = ()


@dataclass(frozen=True)
class GLoop:
    body: tuple


@dataclass(frozen=True)
class GGather:
    branches: tuple  # of GStep (Temporal only)


@dataclass(frozen=True)
class GHelper:
    body: tuple


@dataclass(frozen=True)
class GPatch:
    pid: str
    new: tuple
    old: tuple = ()


@dataclass(frozen=True)
class GDeprecate:
    pid: str


GNode = GStep | GIf | GLoop | GGather | GHelper | GPatch | GDeprecate
_SEQ_FIELDS = {GIf: ("then", "orelse"), GLoop: ("body",), GHelper: ("body",), GPatch: ("new", "old")}


@dataclass(frozen=True)
class GProgram:
    engine: str
    body: tuple

    @property
    def workflow_name(self) -> str:
        return "Main" if self.engine == "temporal" else "main"


# ---------------------------------------------------------------- generation


def steps(engine: str) -> st.SearchStrategy[GStep]:
    arg = st.integers(1, 3)
    if engine == "temporal":
        return st.one_of(
            st.builds(GStep, st.just("activity"), st.sampled_from(ACTIVITIES), arg),
            st.builds(GStep, st.just("timer"), st.just(""), arg),
            st.builds(GStep, st.just("child"), st.sampled_from(CHILDREN), arg),
            st.builds(GStep, st.just("local"), st.sampled_from(ACTIVITIES[:2]), arg),
        )
    return st.one_of(
        st.builds(GStep, st.just("step"), st.sampled_from(DBOS_STEPS), arg),
        st.builds(GStep, st.just("sleep"), st.just(""), arg),
        st.builds(GStep, st.just("recv"), st.just(""), arg),
    )


def _patch_ids():
    return st.integers(1, 3).map(lambda n: f"base-{n}")


def nodes(engine: str, depth: int = 2) -> st.SearchStrategy:
    step = steps(engine)
    if depth <= 0:
        return step
    inner = st.lists(nodes(engine, depth - 1), max_size=3).map(tuple)
    options = [
        step,
        step,
        step,
        st.builds(GIf, st.sampled_from(FLAGS), inner, inner),
        st.builds(GLoop, inner),
        st.builds(GHelper, inner),
        st.builds(GPatch, _patch_ids(), inner, inner),
    ]
    if engine == "temporal":
        options.append(st.builds(GGather, st.lists(step, min_size=1, max_size=3).map(tuple)))
    return st.one_of(*options)


def programs(engine: str) -> st.SearchStrategy[GProgram]:
    body = st.lists(nodes(engine), min_size=1, max_size=5).map(tuple)
    return body.map(lambda b: GProgram(engine, _unique_patch_ids(b)))


def _unique_patch_ids(body: tuple) -> tuple:
    """One call site per patch id (reusing an id is a lifecycle rule's business, not replay's)."""
    counter = iter(range(1, 1000))

    def fix(node):
        node = _map_children(node, lambda items: tuple(fix(n) for n in items))
        return replace(node, pid=f"base-{next(counter)}") if isinstance(node, GPatch) else node

    return tuple(fix(n) for n in body)


def _map_children(node, fn):
    fields = _SEQ_FIELDS.get(type(node))
    if not fields:
        return node
    return replace(node, **{f: fn(getattr(node, f)) for f in fields})


# ---------------------------------------------------------------- edits


def _seq_paths(items: tuple, path: tuple = ()) -> list[tuple]:
    """Paths of every statement list in a body: ``()`` is the body, then (index, field) steps."""
    found = [path]
    for i, node in enumerate(items):
        for f in _SEQ_FIELDS.get(type(node), ()):
            found += _seq_paths(getattr(node, f), path + ((i, f),))
    return found


def _get(items: tuple, path: tuple) -> tuple:
    for i, f in path:
        items = getattr(items[i], f)
    return items


def _put(items: tuple, path: tuple, value: tuple) -> tuple:
    if not path:
        return value
    (i, f), rest = path[0], path[1:]
    child = replace(items[i], **{f: _put(getattr(items[i], f), rest, value)})
    return items[:i] + (child,) + items[i + 1 :]


def _all_steps(items: tuple) -> list[GStep]:
    out = []
    for node in items:
        if isinstance(node, GStep):
            out.append(node)
        elif isinstance(node, GGather):
            out += list(node.branches)
        for f in _SEQ_FIELDS.get(type(node), ()):
            out += _all_steps(getattr(node, f))
    return out


def _map_steps(items: tuple, fn) -> tuple:
    def one(node):
        if isinstance(node, GStep):
            return fn(node)
        if isinstance(node, GGather):
            return replace(node, branches=tuple(fn(s) for s in node.branches))
        return _map_children(node, lambda inner: tuple(one(n) for n in inner))

    return tuple(one(n) for n in items)


def _patches(items: tuple, path: tuple = ()) -> list[tuple[tuple, int]]:
    """(seq path, index) of every GPatch."""
    found = []
    for p in _seq_paths(items):
        for i, node in enumerate(_get(items, p)):
            if isinstance(node, GPatch):
                found.append((p, i))
    return found


EDIT_KINDS = (
    "insert",
    "delete",
    "swap",
    "replace",
    "append",
    "guard",
    "wrong_guard",
    "args",
    "remove_patch",
    "deprecate_patch",
)


def _different_step(draw, engine: str, than: GStep) -> GStep:
    return draw(steps(engine).filter(lambda s: (s.kind, s.name) != (than.kind, than.name)))


def _mutate(draw, engine: str, items: tuple) -> tuple:
    """A step-identity-changing edit of a statement list (for a guard's new or wrong-old branch)."""
    choice = draw(st.sampled_from(("insert", "delete", "replace") if items else ("insert",)))
    if choice == "insert":
        i = draw(st.integers(0, len(items)))
        return items[:i] + (draw(steps(engine)),) + items[i:]
    i = draw(st.integers(0, len(items) - 1))
    if choice == "delete":
        return items[:i] + items[i + 1 :]
    target = items[i]
    new = _different_step(draw, engine, target) if isinstance(target, GStep) else draw(steps(engine))
    return items[:i] + (new,) + items[i + 1 :]


@st.composite
def edited(draw, program: GProgram) -> tuple[GProgram, str]:
    """``(new program, edit description)`` for one random edit of ``program``."""
    engine, body = program.engine, program.body
    kind = draw(st.sampled_from(EDIT_KINDS))
    path = draw(st.sampled_from(_seq_paths(body)))
    items = _get(body, path)
    too_short = (kind in ("delete", "replace") and not items) or (kind == "swap" and len(items) < 2)
    if kind == "insert" or too_short:
        i = draw(st.integers(0, len(items)))
        new_items = items[:i] + (draw(steps(engine)),) + items[i:]
        return replace(program, body=_put(body, path, new_items)), f"insert at {path}[{i}]"
    if kind == "delete":
        i = draw(st.integers(0, len(items) - 1))
        return replace(program, body=_put(body, path, items[:i] + items[i + 1 :])), f"delete {path}[{i}]"
    if kind == "swap":
        i = draw(st.integers(0, len(items) - 2))
        swapped = items[:i] + (items[i + 1], items[i]) + items[i + 2 :]
        return replace(program, body=_put(body, path, swapped)), f"swap {path}[{i}]"
    if kind == "replace":
        i = draw(st.integers(0, len(items) - 1))
        target = items[i]
        new = _different_step(draw, engine, target) if isinstance(target, GStep) else draw(steps(engine))
        new_items = items[:i] + (new,) + items[i + 1 :]
        return replace(program, body=_put(body, path, new_items)), f"replace {path}[{i}]"
    if kind == "append":
        return replace(program, body=body + (draw(steps(engine)),)), "append"
    if kind in ("guard", "wrong_guard"):
        i = draw(st.integers(0, len(items)))
        j = draw(st.integers(i, len(items)))
        old_part = items[i:j]
        old_branch = old_part if kind == "guard" else _mutate(draw, engine, old_part)
        guard = GPatch(f"new-{len(_patches(body)) + 1}", _mutate(draw, engine, old_part), old_branch)
        new_items = items[:i] + (guard,) + items[j:]
        return replace(program, body=_put(body, path, new_items)), f"{kind} {path}[{i}:{j}]"
    if kind in ("remove_patch", "deprecate_patch") and _patches(body):
        p, i = draw(st.sampled_from(_patches(body)))
        seq = _get(body, p)
        patch = seq[i]
        lead = () if kind == "remove_patch" else (GDeprecate(patch.pid),)
        new_seq = seq[:i] + lead + patch.new + seq[i + 1 :]
        return replace(program, body=_put(body, p, new_seq)), f"{kind} {patch.pid}"
    # "args" (and patch edits on a program without patches): change only arguments
    all_steps = _all_steps(body)
    if not all_steps:
        return replace(program, body=body + (draw(steps(engine)),)), "append"
    k = draw(st.integers(0, len(all_steps) - 1))
    counter = iter(range(len(all_steps)))
    new_body = _map_steps(body, lambda s: replace(s, arg=s.arg % 3 + 1) if next(counter) == k else s)
    return replace(program, body=new_body), "change arguments"


@st.composite
def program_pairs(draw, engine: str) -> tuple[GProgram, GProgram, str]:
    old = draw(programs(engine))
    new, description = draw(edited(old))
    return old, new, description


# ---------------------------------------------------------------- rendering


def step_identities(program: GProgram) -> list[tuple[str, str]]:
    """(kind, name) of every step, in ``walk`` order (helpers inlined, patch new before old)."""
    out: list[tuple[str, str]] = []

    def visit(items):
        for node in items:
            if isinstance(node, GStep):
                out.append(_identity(program.engine, node))
            elif isinstance(node, GGather):
                out.extend(_identity(program.engine, s) for s in node.branches)
            for f in _SEQ_FIELDS.get(type(node), ()):
                visit(getattr(node, f))

    visit(program.body)
    return out


def _identity(engine: str, step: GStep) -> tuple[str, str]:
    if engine == "temporal":
        return {
            "activity": ("activity", step.name),
            "timer": ("timer", "timer"),
            "child": ("child_workflow", step.name),
            "local": ("local_activity", step.name),
        }[step.kind]
    return {
        "step": ("dbos_step", step.name),
        "sleep": ("dbos_step", "DBOS.sleep"),
        "recv": ("dbos_step", "DBOS.recv"),
    }[step.kind]


# What the run decides: functions of the module (patchlint never evaluates a call of user code).
_RUN_INPUTS = (
    "",
    "def flag(name: str) -> bool:",
    '    return name != "B"',
    "",
    "",
    "def n_items() -> int:",
    "    return 2",
)


def render(program: GProgram) -> str:
    renderer = _TemporalRenderer() if program.engine == "temporal" else _DbosRenderer()
    return renderer.module(program)


class _Renderer:
    indent = "    "

    def __init__(self):
        self.helpers: list[tuple[str, tuple]] = []

    def block(self, items: tuple, depth: int) -> list[str]:
        pad = self.indent * depth
        lines: list[str] = []
        for node in items:
            if isinstance(node, GStep):
                lines.append(pad + self.statement(node))
            elif isinstance(node, GGather):
                lines.append(pad + self.gather(node))
            elif isinstance(node, GIf):
                lines += [pad + f"if flag({node.flag!r}):", *self.block(node.then, depth + 1)]
                if node.orelse:
                    lines += [pad + "else:", *self.block(node.orelse, depth + 1)]
            elif isinstance(node, GLoop):
                lines += [pad + "for _ in range(n_items()):", *self.block(node.body, depth + 1)]
            elif isinstance(node, GHelper):
                name = f"helper_{len(self.helpers)}"
                self.helpers.append((name, node.body))
                lines.append(pad + self.helper_call(name))
            elif isinstance(node, GPatch):
                lines += [pad + f"if {self.patch_call(node.pid)}:", *self.block(node.new, depth + 1)]
                if node.old:
                    lines += [pad + "else:", *self.block(node.old, depth + 1)]
            elif isinstance(node, GDeprecate):
                lines.append(pad + self.deprecate_call(node.pid))
        return lines or [pad + "pass"]

    def helper_defs(self, depth: int, signature: str) -> list[str]:
        lines, done = [], 0
        while done < len(self.helpers):  # helper bodies may call further helpers
            name, body = self.helpers[done]
            done += 1
            lines += ["", self.indent * depth + signature.format(name=name), *self.block(body, depth + 1)]
        return lines


class _TemporalRenderer(_Renderer):
    def timeout(self, step: GStep) -> str:
        return f"start_to_close_timeout=timedelta(seconds={step.arg * 5})"

    def awaitable(self, step: GStep) -> str:
        if step.kind == "activity":
            return f"workflow.execute_activity({step.name}, {self.timeout(step)})"
        if step.kind == "timer":
            return f"asyncio.sleep(0.0{step.arg})"
        if step.kind == "local":
            return f"workflow.execute_local_activity({step.name}, {self.timeout(step)})"
        return f"workflow.execute_child_workflow({step.name}.run)"

    def statement(self, step: GStep) -> str:
        return f"await {self.awaitable(step)}"

    def gather(self, node: GGather) -> str:
        return "await asyncio.gather(" + ", ".join(self.awaitable(s) for s in node.branches) + ")"

    def helper_call(self, name: str) -> str:
        return f"await self.{name}()"

    def patch_call(self, pid: str) -> str:
        return f'workflow.patched("{pid}")'

    def deprecate_call(self, pid: str) -> str:
        return f'workflow.deprecate_patch("{pid}")'

    def module(self, program: GProgram) -> str:
        run = self.block(program.body, 2)
        helpers = self.helper_defs(1, "async def {name}(self) -> None:")
        lines = [
            "import asyncio",
            "from datetime import timedelta",
            "",
            "from temporalio import activity, workflow",
            "",
            *_RUN_INPUTS,
        ]
        for name in ACTIVITIES:
            lines += ["", "", "@activity.defn", f"async def {name}() -> None:", "    pass"]
        lines += [
            "",
            "",
            "@workflow.defn",
            "class Main:",
            "    @workflow.run",
            "    async def run(self) -> None:",
            *run,
            *helpers,
        ]
        for child in CHILDREN:
            lines += [
                "",
                "",
                "@workflow.defn",
                f"class {child}:",
                "    @workflow.run",
                "    async def run(self) -> None:",
                "        pass",
            ]
        return "\n".join(lines) + "\n"


class _DbosRenderer(_Renderer):
    def statement(self, step: GStep) -> str:
        if step.kind == "step":
            return f"{step.name}()"
        if step.kind == "sleep":
            return f"DBOS.sleep(0.0{step.arg})"
        return f'DBOS.recv("topic", timeout_seconds=0.0{step.arg})'

    def gather(self, node: GGather) -> str:  # pragma: no cover - not generated for DBOS
        raise AssertionError("DBOS programs have no gather")

    def helper_call(self, name: str) -> str:
        return f"{name}()"

    def patch_call(self, pid: str) -> str:
        return f'DBOS.patch("{pid}")'

    def deprecate_call(self, pid: str) -> str:
        return f'DBOS.deprecate_patch("{pid}")'

    def module(self, program: GProgram) -> str:
        body = self.block(program.body, 1)
        helpers = self.helper_defs(0, "def {name}() -> None:")
        lines = [
            "from dbos import DBOS",
            "",
            *_RUN_INPUTS,
        ]
        for name in DBOS_STEPS:
            lines += ["", "", "@DBOS.step()", f"def {name}() -> None:", "    pass"]
        lines += ["", "", "@DBOS.workflow()", "def main() -> None:", *body]
        lines += [line if not line.startswith("def ") else "\n" + line for line in helpers]
        return "\n".join(lines) + "\n"
