"""Extraction follows Python: values Python fixes before the engine sees anything (constants,
arithmetic, ``timedelta``), helpers with their arguments bound, loops whose iteration count the
source fixes, branches whose test the source fixes, methods through the MRO, values held in
variables. Engine-labelled counterparts of these shapes live in ``testdata/cases``."""

from __future__ import annotations

import datetime

import libcst as cst
import pytest

from patchlint.extract.repo import ClassRef, Revision
from patchlint.extract.values import UNKNOWN, ModuleScope, evaluate

CONSTS = """\
from datetime import timedelta
N = 3
ZERO = timedelta(0)
LETTERS = ["a", "b"]
TWICE = 1
TWICE = 2
GROWN = [1]
GROWN.append(2)
"""

WF = """\
import datetime
import consts
from consts import N, ZERO, LETTERS, TWICE, GROWN
M: int = N * 2 + 1
"""


def _value(expr: str, files=None):
    revision = Revision(files or {"consts.py": CONSTS, "app/wf.py": WF})
    return evaluate(cst.parse_expression(expr), ModuleScope(revision.module("app/wf.py"), revision))


@pytest.mark.parametrize(
    "expr, expected",
    [
        ("0", 0),
        ("1.5", 1.5),
        ("'a' 'b'", "ab"),
        ("b'x'", b"x"),
        ("None", None),
        ("True", True),
        ("(1, 'a')", (1, "a")),
        ("[1, 2]", [1, 2]),
        ("{1}", {1}),
        ("{'k': 1}", {"k": 1}),
        ("-1 + 2 * 3", 5),
        ("7 // 2", 3),
        ("1 < 2 <= 2", True),
        ("not 0", True),
        ("0 or 'x'", "x"),
        ("0 and undefined_name", 0),
        ("len((1, 2, 3))", 3),
        ("range(2)", range(2)),
        ("datetime.timedelta(seconds=5)", datetime.timedelta(seconds=5)),
        ("N", 3),
        ("M", 7),
        ("consts.N", 3),
        ("ZERO", datetime.timedelta(0)),
        ("LETTERS", ["a", "b"]),
        ("range(N)", range(3)),
        ("[*LETTERS, 'c']", ["a", "b", "c"]),
        ("N if N > 2 else 0", 3),
        ("LETTERS[1]", "b"),
        ("max(N, 5)", 5),
        ("f'charge_{N}'", "charge_3"),
        ("f'{N:03d}'", "003"),
    ],
)
def test_evaluate_what_python_fixes(expr, expected):
    assert _value(expr) == expected


@pytest.mark.parametrize(
    "expr",
    [
        "TWICE",  # bound twice at module level
        "GROWN",  # a list mutated after its definition
        "undefined_name",
        "f(1)",
        "open('x')",
        "'x' * 10**9",
        "2 ** 100000",
        "range(10**9)",
        "N / 0",
        "consts.missing",
        "self.N",
        "os.environ['X']",
        "lambda: 1",
        "f'{undefined_name}'",
        "f'a\\n{N}'",
        "f'{LETTERS}'",
    ],
)
def test_evaluate_refuses_what_only_the_run_knows(expr):
    assert _value(expr) is UNKNOWN


def test_evaluate_never_calls_a_shadowed_builtin():
    files = {"app/wf.py": "def len(x):\n    return 0\n"}
    assert _value("len((1, 2))", files) is UNKNOWN


def _classes(revision: Revision, path: str, name: str) -> ClassRef:
    module = revision.module(path)
    return ClassRef(module, module.classes[name])


MIXINS = {
    "base.py": "class A:\n    def f(self): ...\n    def g(self): ...\n",
    "mixins.py": "from base import A\nclass B(A):\n    def f(self): ...\nclass C(A):\n    def g(self): ...\n",
    "app/wf.py": "import typing\nfrom mixins import B, C\nclass D(B, C, typing.Generic):\n    pass\n",
}


def test_mro_is_c3_across_modules_skipping_external_bases():
    revision = Revision(MIXINS)
    d = _classes(revision, "app/wf.py", "D")
    assert [c.node.name.value for c in revision.mro(d)] == ["D", "B", "C", "A"]
    assert revision.find_method(d, "f").qualname == "B.f"
    assert revision.find_method(d, "g").qualname == "C.g"
    assert revision.find_method(d, "f", after=_classes(revision, "mixins.py", "B")).qualname == "A.f"
    assert revision.find_method(d, "missing") is None


# ---- step programs ------------------------------------------------------------------------------
from patchlint.api import analyze_revisions, models_of  # noqa: E402
from patchlint.model import program as m  # noqa: E402

HEAD = "import asyncio\nfrom datetime import timedelta\nfrom temporalio import workflow\n"


def _workflow(files: dict[str, str], name: str | None = None) -> m.Workflow:
    found = [w for mod in models_of(files) for w in mod.workflows if name is None or w.name == name]
    assert len(found) == 1, found
    return found[0]


def _program(body: str, before: str = "", extra: dict[str, str] | None = None) -> m.Seq:
    indented = "\n".join("        " + line if line else "" for line in body.strip("\n").splitlines())
    src = f"{HEAD}{before}\n@workflow.defn\nclass W:\n    @workflow.run\n    async def run(self, arg):\n{indented}\n"
    return _workflow({"wf.py": src, **(extra or {})}).program


def _shape(node) -> object:
    """A compact, readable form of a program: steps by name, nodes by kind."""
    if isinstance(node, m.Seq):
        return [_shape(n) for n in node.items]
    if isinstance(node, m.Step):
        return node.name
    if isinstance(node, m.Loop):
        return ("loop", node.count, _shape(node.body))
    if isinstance(node, m.If):
        return ("if", _shape(node.then), _shape(node.orelse))
    if isinstance(node, m.Patched):
        return ("patched", node.id, _shape(node.new), _shape(node.old))
    if isinstance(node, m.Parallel):
        return ("parallel", [_shape(b) for b in node.branches])
    if isinstance(node, m.Wait):
        return "wait"
    if isinstance(node, m.Return):
        return "return"
    return type(node).__name__


def _act(name: str, arg: str = "arg") -> str:
    return f'await workflow.execute_activity("{name}", {arg})'


# loops: Loop.count is what Python fixes
@pytest.mark.parametrize(
    "header, before, count",
    [
        ('for x in ("a", "b"):', "", 2),
        ("for i in range(N):", "N = 3", 3),
        ("for i in range(N * 2 - 1):", "N = 3", 5),
        ("for x in ITEMS:", "ITEMS = ['a', 'b', 'c', 'd']", 4),
        ("for x in consts.ITEMS:", "import consts", 2),
        ("for i in range(LIMIT):", "from consts import LIMIT", 7),
        ("for x in arg:", "", None),
        ("for i in range(N):", "N = 3\nN = 4", None),  # bound twice: not a constant
        ("for i in range(len(arg)):", "", None),
    ],
)
def test_loop_count_is_what_python_fixes(header, before, count):
    consts = {"consts.py": "ITEMS = ('x', 'y')\nLIMIT = 7\n"}
    program = _program(f"{header}\n    {_act('work', 'i' if 'range' in header else 'x')}", before, consts)
    assert _shape(program) == [("loop", count, ["work"])]


def test_loop_over_nothing_runs_only_its_else():
    program = _program(f"for x in ():\n    {_act('never')}\nelse:\n    {_act('after')}")
    assert _shape(program) == ["after"]


def test_a_loop_that_can_break_has_no_fixed_count():
    program = _program(f"for x in (1, 2, 3):\n    {_act('work', 'x')}\n    if arg:\n        break")
    assert _shape(program) == [("loop", None, ["work"])]


def test_a_loop_whose_items_decide_the_steps_is_copied_out_per_item():
    body = f'for kind in ("card", "invoice"):\n    if kind == "card":\n        {_act("charge")}\n    else:\n        {_act("bill")}'
    assert _shape(_program(body)) == ["charge", "bill"]


def test_a_loop_whose_items_name_the_activities_is_copied_out_per_item():
    program = _program('for name in ("reserve", "charge"):\n    await workflow.execute_activity(name, arg)')
    assert _shape(program) == ["reserve", "charge"]
    program = _program("for name in NAMES:\n    await workflow.execute_activity(name, arg)", "NAMES = ['a', 'b']")
    assert _shape(program) == ["a", "b"]


def test_activity_names_built_with_f_strings_from_loop_items():
    program = _program('for region in ("eu", "us"):\n    await workflow.execute_activity(f"charge_{region}", arg)')
    assert _shape(program) == ["charge_eu", "charge_us"]


def test_while_with_a_test_python_fixes_false_is_no_loop():
    program = _program(f"while N > 5:\n    {_act('never')}\n{_act('after')}", "N = 1")
    assert _shape(program) == ["after"]
    program = _program(f"while arg:\n    {_act('maybe')}")
    assert _shape(program) == [("loop", None, ["maybe"])]


def test_comprehension_counts_and_if_clauses():
    program = _program('r = [await workflow.execute_activity("a", x) for x in (1, 2) if x > arg]')
    assert _shape(program) == [("loop", 2, [("if", ["a"], [])])]
    program = _program('r = [await workflow.execute_activity("a", x) for x in (1, 2) for y in range(x)]')
    assert _shape(program) == [("loop", 2, [("loop", None, ["a"])])]


def test_gather_over_known_items_is_one_branch_per_item():
    program = _program(
        'await asyncio.gather(*(workflow.execute_activity("a", w) for w in WAREHOUSES))',
        "WAREHOUSES = ('north', 'south', 'east')",
    )
    assert _shape(program) == [("parallel", [["a"], ["a"], ["a"]])]


# branches Python fixes
def test_if_with_a_known_test_keeps_only_the_branch_python_takes():
    body = f"if DEBUG:\n    {_act('debug')}\nelif N > 2:\n    {_act('big')}\nelse:\n    {_act('small')}"
    assert _shape(_program(body, "DEBUG = False\nN = 3")) == ["big"]
    assert _shape(_program(body, "DEBUG = False\nN = 1")) == ["small"]
    assert _shape(_program(f"if arg:\n    {_act('maybe')}")) == [("if", ["maybe"], [])]


def test_locals_carry_known_values_until_the_run_changes_them():
    body = f"n = 2\nfor i in range(n):\n    {_act('a', 'i')}\nn = compute()\nfor i in range(n):\n    {_act('b', 'i')}"
    assert _shape(_program(body)) == [("loop", 2, ["a"]), ("loop", None, ["b"])]
    body = f"items = ['a']\nitems.append(arg)\nfor i in items:\n    {_act('c', 'i')}"
    assert _shape(_program(body)) == [("loop", None, ["c"])]
    body = f"k = 1\nif arg:\n    k = 2\nfor i in range(k):\n    {_act('d', 'i')}"
    assert _shape(_program(body)) == [("loop", None, ["d"])]


def test_a_module_constant_shadowed_by_a_local_is_the_local():
    body = f"N = arg\nfor i in range(N):\n    {_act('a', 'i')}"
    assert _shape(_program(body, "N = 3")) == [("loop", None, ["a"])]


# helpers with their arguments bound
HELPERS = """
    async def each(self, items, times=TIMES, *, extra=()):
        for item in items:
            await workflow.execute_activity("each", item)
        for _ in range(times):
            await workflow.sleep(1)
        for e in extra:
            await workflow.execute_activity("extra", e)
"""


def _with_helpers(body: str) -> m.Seq:
    indented = "\n".join("        " + line for line in body.strip("\n").splitlines())
    src = (
        f"{HEAD}TIMES = 1\n@workflow.defn\nclass W:\n    @workflow.run\n    async def run(self, arg):\n"
        f"{indented}\n{HELPERS}"
    )
    return _workflow({"wf.py": src}).program


@pytest.mark.parametrize(
    "call, shape",
    [
        ('await self.each(["a", "b"])', [("loop", 2, ["each"]), ("loop", 1, ["timer"])]),
        ("await self.each(('a',), 3)", [("loop", 1, ["each"]), ("loop", 3, ["timer"])]),
        ("await self.each(items=(), times=0, extra=[1, 2])", [("loop", 2, ["extra"])]),
        ("await self.each(*[('a', 'b'), 2])", [("loop", 2, ["each"]), ("loop", 2, ["timer"])]),
        ("await self.each(**{'items': [1], 'times': 0})", [("loop", 1, ["each"])]),
        ("await self.each(arg)", [("loop", None, ["each"]), ("loop", 1, ["timer"])]),
        ("await self.each(*arg)", [("loop", None, ["each"]), ("loop", None, ["timer"]), ("loop", None, ["extra"])]),
    ],
)
def test_helpers_get_their_arguments_bound(call, shape):
    assert _shape(_with_helpers(call)) == shape


def test_module_helper_with_a_literal_list_argument():
    helper = "from temporalio import workflow\n\nasync def run_all(names):\n    for n in names:\n        await workflow.execute_activity('x', n)\n"
    program = _program("await run_all(['a', 'b', 'c'])", "from helpers import run_all", {"helpers.py": helper})
    assert _shape(program) == [("loop", 3, ["x"])]


# patch results in variables
def test_a_patch_flag_read_twice_forks_the_rest_once():
    body = (
        f'flag = workflow.patched("p")\n{_act("first")}\nif flag:\n    {_act("new1")}\n'
        f"{_act('middle')}\nif not flag:\n    {_act('old2')}\nelse:\n    {_act('new2')}"
    )
    assert _shape(_program(body)) == [
        ("patched", "p", ["first", "new1", "middle", "new2"], ["first", "middle", "old2"]),
    ]


def test_a_patch_flag_forks_only_up_to_its_last_use():
    body = (
        f'flag = workflow.patched("p")\nif flag:\n    {_act("new")}\n'
        f'if workflow.patched("q"):\n    {_act("q_new")}\n{_act("last")}'
    )
    assert _shape(_program(body)) == [("patched", "p", ["new"], []), ("patched", "q", ["q_new"], []), "last"]
    body = f'flag = workflow.patched("p")\nif not flag:\n    {_act("old")}\n    return\n{_act("after")}'
    assert _shape(_program(body)) == [("patched", "p", ["after"], ["old", "return"])]


def test_a_patch_flag_passed_to_a_helper():
    src = (
        f"{HEAD}@workflow.defn\nclass W:\n    @workflow.run\n    async def run(self):\n"
        f"        use_new = workflow.patched('p')\n        await self.step(use_new)\n\n"
        f"    async def step(self, new):\n        if new:\n            {_act('n', '1')}\n"
        f"        else:\n            {_act('o', '1')}\n"
    )
    assert _shape(_workflow({"wf.py": src}).program) == [("patched", "p", ["n"], ["o"])]


def test_an_unused_patch_flag_is_a_marker_only():
    assert _shape(_program(f'flag = workflow.patched("p")\n{_act("a")}')) == [("patched", "p", [], []), "a"]


def test_dbos_patch_flag_takes_one_slot_and_forks():
    src = """\
from dbos import DBOS

@DBOS.step()
def a(): ...

@DBOS.step()
def b(): ...

@DBOS.workflow()
def wf():
    flag = DBOS.patch("p")
    if flag:
        a()
    b()
    if flag:
        a()
"""
    program = _workflow({"wf.py": src}).program
    assert _shape(program) == [("patched", "p", ["a", "b", "a"], ["b"])]


# methods through the MRO of the concrete workflow class, across modules
BASE = """\
from temporalio import workflow

class Base:
    async def run_steps(self):
        await workflow.execute_activity("base_first")
        await self.middle()
        await workflow.execute_activity("base_last")

    async def middle(self):
        await workflow.execute_activity("base_middle")

    @workflow.signal
    async def poke(self):
        await workflow.execute_activity("poked")
"""
MIXIN = """\
from temporalio import workflow
from base import Base

class Audit(Base):
    async def middle(self):
        await workflow.execute_activity("audit")
        await super().middle()
"""


def test_self_method_goes_through_the_concrete_class_mro_and_super():
    src = (
        f"{HEAD}from mixins import Audit\n\n@workflow.defn\nclass W(Audit):\n    @workflow.run\n"
        "    async def run(self):\n        await self.run_steps()\n"
    )
    workflow_ = _workflow({"wf.py": src, "base.py": BASE, "mixins.py": MIXIN})
    assert _shape(workflow_.program) == ["base_first", "audit", "base_middle", "base_last"]
    assert [(name, _shape(body)) for name, body in workflow_.handlers] == [("signal poke", ["poked"])]


def test_inherited_run_through_super_reaches_the_base_module():
    base = BASE + "\n    @workflow.run\n    async def run(self):\n        await self.run_steps()\n"
    src = (
        f"{HEAD}from base import Base\n\n@workflow.defn(name='Sub')\nclass W(Base):\n    @workflow.run\n"
        "    async def run(self):\n        return await super().run()\n\n"
        "    async def middle(self):\n        await workflow.execute_activity('sub_middle')\n"
    )
    workflow_ = _workflow({"wf.py": src, "base.py": base})
    assert workflow_.name == "Sub"
    assert _shape(workflow_.program) == ["base_first", "sub_middle", "base_last", "return"]


def test_an_undecorated_override_hides_an_inherited_handler():
    src = (
        f"{HEAD}from base import Base\n\n@workflow.defn\nclass W(Base):\n    @workflow.run\n"
        "    async def run(self):\n        await self.run_steps()\n\n    async def poke(self):\n        pass\n\n"
        "    @workflow.update(name='set-it')\n    async def set_it(self):\n"
        "        await workflow.execute_activity('updated')\n"
    )
    workflow_ = _workflow({"wf.py": src, "base.py": BASE})
    assert [(name, _shape(body)) for name, body in workflow_.handlers] == [("update set-it", ["updated"])]


def test_dbos_class_workflow_keeps_its_qualname_and_its_own_steps():
    src = """\
from dbos import DBOS, DBOSConfiguredInstance

class Steps(DBOSConfiguredInstance):
    @DBOS.step()
    def fetch(self): ...

@DBOS.dbos_class()
class Shop(Steps):
    @DBOS.workflow()
    def order(self):
        self.fetch()
        self.pay()

    @DBOS.step()
    def pay(self): ...
"""
    workflow_ = _workflow({"wf.py": src})
    assert workflow_.name == "Shop.order"
    assert _shape(workflow_.program) == ["Steps.fetch", "Shop.pay"]


# end to end: safe changes stay quiet, real ones are found
def _findings(old: dict[str, str], new: dict[str, str]) -> list[tuple[str, str]]:
    report = analyze_revisions(old, new)
    return [(f.code, f.path) for f in report.findings]


def test_loop_over_a_literal_list_moved_into_a_helper_is_safe():
    old_src = f"{HEAD}@workflow.defn\nclass W:\n    @workflow.run\n    async def run(self):\n        for x in ['a', 'b']:\n            {_act('go', 'x')}\n"
    new_src = (
        f"{HEAD}@workflow.defn\nclass W:\n    @workflow.run\n    async def run(self):\n        await self.all(['a', 'b'])\n\n"
        f"    async def all(self, xs):\n        for x in xs:\n            {_act('go', 'x')}\n"
    )
    assert _findings({"wf.py": old_src}, {"wf.py": new_src}) == []


def test_a_changed_loop_bound_constant_in_another_module_is_found():
    src = f"{HEAD}from consts import N\n@workflow.defn\nclass W:\n    @workflow.run\n    async def run(self):\n        for i in range(N):\n            {_act('go', 'i')}\n        {_act('done', '1')}\n"
    old = analyze_revisions(
        {"wf.py": src}, {"wf.py": src}, context_files={"old": {"consts.py": "N = 2\n"}, "new": {"consts.py": "N = 3\n"}}
    )
    assert [f.code for f in old.findings] and all(f.severity.value == "error" for f in old.findings)
    same = analyze_revisions(
        {"wf.py": src},
        {"wf.py": src},
        context_files={"old": {"consts.py": "N = 2\n"}, "new": {"consts.py": "N = 1 + 1\n"}},
    )
    assert same.findings == []


# ---- commands cancelled before they were ever sent ----------------------------------------------
CANCELLED_BEFORE_SENT = """\
import asyncio
from datetime import timedelta

from temporalio import activity, workflow

TIMEOUT = timedelta(seconds=10)


@activity.defn
async def never_sent(x: str) -> str:
    return x


@activity.defn
async def sent(x: str) -> str:
    return x


@workflow.defn
class CancelledBeforeSent:
    @workflow.run
    async def run(self) -> str:
        handle = workflow.start_activity(never_sent, "a", start_to_close_timeout=TIMEOUT)
        handle.cancel()
        timer = asyncio.create_task(workflow.sleep(30))
        await asyncio.sleep(0)  # the task starts its timer; the activation goes on
        timer.cancel()
        early = asyncio.create_task(workflow.execute_activity(never_sent, "b", start_to_close_timeout=TIMEOUT))
        early.cancel()  # never started at all
        await workflow.execute_activity(sent, "c", start_to_close_timeout=TIMEOUT)
        return "done"
"""


def test_commands_cancelled_in_the_activation_that_issued_them_are_not_steps():
    program = _workflow({"wf.py": CANCELLED_BEFORE_SENT}).program
    assert _shape(program) == ["sent", "return"]


def test_a_command_cancelled_after_the_workflow_task_ended_stays_a_step():
    src = CANCELLED_BEFORE_SENT.replace(
        "        handle.cancel()\n",
        '        await workflow.execute_activity(sent, "x", start_to_close_timeout=TIMEOUT)\n        handle.cancel()\n',
    )
    program = _workflow({"wf.py": src}).program
    assert _shape(program)[:2] == ["never_sent", "sent"]


@pytest.mark.engine
def test_temporal_records_nothing_for_commands_cancelled_in_the_activation_that_issued_them(temporal_address, tmp_path):
    """sdk-core drops a command cancelled before its activation completes: no ActivityTaskScheduled
    for ``never_sent``, no TimerStarted/TimerCanceled, only the activity that was awaited."""
    import json

    from tests.engines import temporal_case

    case = tmp_path / "cancelled-before-sent"
    case.mkdir()
    (case / "old.py").write_text(CANCELLED_BEFORE_SENT)
    (case / "new.py").write_text(CANCELLED_BEFORE_SENT)
    temporal_case.record(case, temporal_address, tmp_path / "history")
    events = json.loads((tmp_path / "history" / "history.json").read_text())["events"]
    commands = [
        (
            e["eventType"].removeprefix("EVENT_TYPE_"),
            e.get("activityTaskScheduledEventAttributes", {}).get("activityType", {}).get("name"),
        )
        for e in events
        if not e["eventType"].startswith(("EVENT_TYPE_WORKFLOW_TASK_", "EVENT_TYPE_WORKFLOW_EXECUTION_"))
        and not e["eventType"].endswith(("_STARTED", "_COMPLETED"))
        or "TIMER" in e["eventType"]
    ]
    assert commands == [("ACTIVITY_TASK_SCHEDULED", "sent")]
    # and patchlint's program of the same source issues exactly that
    assert [s.name for s in m.steps_of(_workflow({"wf.py": CANCELLED_BEFORE_SENT}).program)] == ["sent"]


def test_a_task_starts_when_its_creator_first_waits_and_joins_at_await():
    body = (
        f"t = asyncio.create_task(self.side())\n{_act('main_first')}\n{_act('main_second')}\nawait t\n{_act('after')}"
    )
    src = (
        f"{HEAD}@workflow.defn\nclass W:\n    @workflow.run\n    async def run(self, arg):\n"
        + "\n".join("        " + line for line in body.splitlines())
        + f"\n\n    async def side(self):\n        {_act('side', '1')}\n"
    )
    assert _shape(_workflow({"wf.py": src}).program) == [
        ("parallel", [["main_first", "main_second"], ["side"]]),
        "after",
    ]


def test_a_task_awaited_at_once_is_its_steps_in_place():
    body = f"t = asyncio.create_task(workflow.sleep(5))\nx = 1\nawait t\n{_act('after')}"
    assert _shape(_program(body)) == ["timer", "after"]


CLASS_ATTRS = """\
from temporalio import workflow

class Base:
    STEPS = ("pack", "ship")
    RETRIES = 2
"""


@pytest.mark.parametrize(
    "extra, shape",
    [
        ("", ["pack", "ship", ("loop", 2, ["timer"])]),
        ("    RETRIES = 3\n", ["pack", "ship", ("loop", 3, ["timer"])]),  # the subclass's own wins
        ("    def __init__(self):\n        self.RETRIES = 5\n", ["pack", "ship", ("loop", None, ["timer"])]),
    ],
)
def test_class_attributes_through_the_mro(extra, shape):
    src = (
        f"{HEAD}from base import Base\n\n@workflow.defn\nclass W(Base):\n{extra}    @workflow.run\n"
        "    async def run(self):\n        for step in self.STEPS:\n"
        "            await workflow.execute_activity(step)\n"
        "        for _ in range(self.RETRIES):\n            await workflow.sleep(1)\n"
    )
    assert _shape(_workflow({"wf.py": src, "base.py": CLASS_ATTRS}).program) == shape


def test_tasks_start_in_creation_order_after_the_creator_waits():
    body = (
        't1 = asyncio.create_task(workflow.execute_activity("first", 1))\n'
        't2 = asyncio.create_task(workflow.execute_activity("second", 2))\n'
        f"{_act('own')}\nawait asyncio.gather(t1, t2)\n{_act('after')}"
    )
    assert _shape(_program(body)) == [("parallel", [["own"], ["first"], ["second"]]), "after"]
    body = (
        't1 = asyncio.create_task(workflow.execute_activity("first", 1))\n'
        't2 = asyncio.create_task(workflow.execute_activity("second", 2))\n'
        "await asyncio.gather(t1, t2)"
    )
    assert _shape(_program(body)) == [("parallel", [["first"], ["second"]])]


def test_continue_skips_the_rest_of_the_iteration():
    body = (
        f"for x in arg:\n    {_act('charge', 'x')}\n    if x.declined:\n        continue\n"
        f"    {_act('receipt', 'x')}\n{_act('after')}"
    )
    assert _shape(_program(body)) == [("loop", None, ["charge", ("if", [], ["receipt"])]), "after"]


def test_break_ends_the_iteration_and_frees_the_count():
    body = f"for x in (1, 2, 3):\n    {_act('a', 'x')}\n    if arg:\n        break\n    {_act('b', 'x')}"
    assert _shape(_program(body)) == [("loop", None, ["a", ("if", [], ["b"])])]


def test_context_modules_are_parsed_once_per_files_object(monkeypatch):
    """Every analysis of a flake8 run reads the same revision around its buffer: a helper module
    is parsed once for all of them, an unparsable one fails each the same way, and the shared
    parses are bounded (the warm analyser keeps a base commit's files for long)."""
    from patchlint.errors import InputError
    from patchlint.extract import repo as repo_mod

    class Files(dict):
        def __init__(self, *args):
            super().__init__(*args)
            self.derived = {}

    context = Files({"helpers.py": "X = 1\n", "broken.py": "def (:\n"})
    first, second = Revision({}, context), Revision({"wf.py": "Y = 2\n"}, context)
    assert first.module("helpers.py") is second.module("helpers.py")
    for revision in (first, second):
        with pytest.raises(InputError):
            revision.module("broken.py")
    assert Revision({"helpers.py": "X = 1\n"}, context).module("helpers.py") is not first.module("helpers.py")
    monkeypatch.setattr(repo_mod, "MAX_SHARED_PARSES", 2)
    context.update({"a.py": "A = 1\n"})
    Revision({}, context).module("a.py")
    assert len(context.derived) == 1


def test_a_file_with_the_same_text_in_both_revisions_is_parsed_once(monkeypatch):
    """A workflow file the change reaches (or one with patch calls that flake8 lints) holds the
    same text at both revisions: the new revision reads the old one's parse."""
    from patchlint.extract.source import SourceModule

    parsed: list[str] = []
    real = SourceModule.from_text.__func__

    def from_text(cls, text, path):
        parsed.append(path)
        return real(cls, text, path)

    def module(name: str, *steps: str) -> str:
        body = "".join(f"        {_act(step)}\n" for step in steps)
        return f"{HEAD}\n@workflow.defn\nclass {name}:\n    @workflow.run\n    async def run(self, arg):\n{body}"

    monkeypatch.setattr(SourceModule, "from_text", classmethod(from_text))
    a, b = module("A", "charge", "ship"), module("B", "charge", "ship")
    report = analyze_revisions({"a.py": a, "b.py": b}, {"a.py": a, "b.py": module("B", "charge", "pack", "ship")})
    assert sorted(parsed) == ["a.py", "b.py", "b.py"]
    assert [(f.code, f.path) for f in report.findings] == [("PAT101", "b.py")]
