"""``patchlint steps``: what patchlint sees in each workflow, as a tree for people and JSON for tools."""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from patchlint.integrations.cli import main
from patchlint.steps import SCHEMA

TEMPORAL = """\
import asyncio
from datetime import timedelta

from temporalio import workflow

COPIES = 2
T = timedelta(seconds=5)


@workflow.defn
class OrderWorkflow:
    def __init__(self) -> None:
        self.approved = False

    @workflow.run
    async def run(self, order: str) -> str:
        await workflow.wait_condition(lambda: self.approved)
        if workflow.patched("add-fraud-check"):
            await workflow.execute_activity("check_fraud", order, start_to_close_timeout=T)
        for _ in range(COPIES):
            await workflow.execute_activity("print_label", order, start_to_close_timeout=T)
        await asyncio.gather(
            workflow.execute_activity("reserve", order, start_to_close_timeout=T),
            workflow.execute_local_activity("price", order, start_to_close_timeout=T),
        )
        try:
            await workflow.execute_child_workflow("Ship", order)
        except Exception:
            await workflow.sleep(10)
        workflow.no_such_api()
        if order == "vip":
            return "vip"
        return "done"

    @workflow.signal
    async def approve(self) -> None:
        self.approved = True
        await workflow.execute_activity("audit_approval", start_to_close_timeout=T)
"""

DBOS = """\
from dbos import DBOS


@DBOS.step()
def request_approval(order_id: str) -> str:
    return order_id


@DBOS.step()
def notify_manager(order_id: str) -> str:
    return order_id


@DBOS.step()
def issue_refund(order_id: str) -> str:
    return order_id


@DBOS.workflow()
def refund_workflow(order_id: str = "order-1") -> str:
    request_approval(order_id)
    if DBOS.patch("notify-manager"):
        notify_manager(order_id)
    decision = DBOS.recv("approval", timeout_seconds=1)
    for _ in ("a", "b"):
        issue_refund(order_id + ":" + str(decision))
    DBOS.no_such_api()
    return "done"
"""

EXPECTED_TEMPORAL_TREE = """\
OrderWorkflow  temporal workflow                                        flows/order.py:11
├─ run
│  ├─ wait  (the workflow waits here without a new command)
│  ├─ workflow.patched("add-fraud-check")                               flows/order.py:18
│  │  ├─ new  (patched: runs started on this code)
│  │  │  └─ activity check_fraud                                        flows/order.py:19
│  │  └─ old  (runs started before the patch)
│  │     └─ (nothing)
│  ├─ loop _ in range(COPIES)  (2 iteration(s))
│  │  └─ body
│  │     └─ activity print_label                                        flows/order.py:21
│  ├─ parallel (2 branches start in order)
│  │  ├─ branch 1
│  │  │  └─ activity reserve                                            flows/order.py:23
│  │  └─ branch 2
│  │     └─ local activity price                                        flows/order.py:24
│  ├─ try
│  │  ├─ body
│  │  │  └─ child workflow Ship                                         flows/order.py:27
│  │  └─ except #1
│  │     └─ timer                                                       flows/order.py:29
│  └─ if order == "vip"
│     ├─ then
│     │  └─ return
│     └─ else
│        └─ return
├─ handler signal approve
│  └─ activity audit_approval                                           flows/order.py:38
└─ not modelled: calls reaching an engine object that patchlint does not classify
   └─ ? workflow.no_such_api(…)                                         flows/order.py:30
"""


def git(root: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    return subprocess.run(
        ["git", "-c", "commit.gpgsign=false", *args], cwd=root, check=True, capture_output=True, text=True, env=env
    ).stdout.strip()


@pytest.fixture
def repo(tmp_path, monkeypatch):
    (tmp_path / "flows").mkdir()
    (tmp_path / "flows" / "order.py").write_text(TEMPORAL, encoding="utf-8")
    (tmp_path / "flows" / "refund.py").write_text(DBOS, encoding="utf-8")
    (tmp_path / "README.md").write_text("not python\n", encoding="utf-8")
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "v1")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args: str):
    return CliRunner().invoke(main, ["steps", *args])


def test_text_is_a_tree_of_what_patchlint_sees(repo):
    result = run("flows/order.py")
    assert result.exit_code == 0, result.output
    tree, _, tail = result.output.rstrip("\n").rpartition("\n\n")
    assert tree + "\n" == EXPECTED_TEMPORAL_TREE
    assert tail == "1 workflow(s) in 1 file(s) at the working tree"


def test_json_schema_and_every_node_type(repo):
    result = run("--format", "json", "flows")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["schema"] == SCHEMA and data["revision"] is None
    assert data["files"] == ["flows/order.py", "flows/refund.py"]
    order, refund = data["workflows"]
    assert (order["engine"], order["name"], order["path"], order["line"], order["is_async"]) == (
        "temporal",
        "OrderWorkflow",
        "flows/order.py",
        11,
        True,
    )
    assert [n["type"] for n in order["program"]] == ["wait", "patch", "loop", "parallel", "try", "if"]
    patch = order["program"][1]
    assert (patch["id"], patch["negated"], patch["line"], patch["function_ids"]) == ("add-fraud-check", False, 18, None)
    assert [(s["kind"], s["name"]) for s in patch["new"]] == [("activity", "check_fraud")]
    assert patch["old"] == []
    loop = order["program"][2]
    assert (loop["header"], loop["count"]) == ("_ in range(COPIES)", 2)
    step = loop["body"][0]
    assert {k: step[k] for k in ("type", "kind", "name", "label", "path", "line", "awaited", "slots")} == {
        "type": "step",
        "kind": "activity",
        "name": "print_label",
        "label": "activity print_label",
        "path": "flows/order.py",
        "line": 21,
        "awaited": True,
        "slots": 1,
    }
    assert [[s["kind"] for s in b] for b in order["program"][3]["branches"]] == [["activity"], ["local_activity"]]
    attempt = order["program"][4]
    assert [s["kind"] for s in attempt["body"]] == ["child_workflow"]
    assert [[s["kind"] for s in h] for h in attempt["handlers"]] == [["timer"]]
    assert attempt["else"] == [] and attempt["finally"] == []
    branch = order["program"][5]
    assert branch["cond"] == 'order == "vip"'
    assert [n["type"] for n in branch["then"]] == [n["type"] for n in branch["else"]] == ["return"]
    assert order["handlers"] == [
        {
            "name": "signal approve",
            "program": [{**order["handlers"][0]["program"][0], "kind": "activity", "name": "audit_approval"}],
        }
    ]
    assert order["unclassified"] == [
        {"text": "workflow.no_such_api", "path": "flows/order.py", "line": 30, "column": 8}
    ]
    assert (refund["engine"], refund["name"], refund["is_async"]) == ("dbos", "refund_workflow", False)
    assert [u["text"] for u in refund["unclassified"]] == ["DBOS.no_such_api"]


def test_dbos_function_ids_follow_the_engines_numbering(repo):
    """DBOS numbers operations from 1; the patch marker takes an id only when the patch answers
    True; recv takes two (the call and its timeout sleep); a literal loop repeats its ids."""
    data = json.loads(run("--format", "json", "flows/refund.py").output)
    (refund,) = data["workflows"]
    first, patch, recv, loop, ret = refund["program"]
    assert (first["name"], first["function_ids"]) == ("request_approval", [[1]])
    assert (patch["type"], patch["function_ids"]) == ("patch", [[2]])
    assert [(s["name"], s["function_ids"]) for s in patch["new"]] == [("notify_manager", [[3]])]
    assert (recv["name"], recv["slots"], recv["function_ids"]) == ("DBOS.recv", 2, [[2, 3], [4, 5]])
    assert loop["count"] == 2
    assert [(s["name"], s["function_ids"]) for s in loop["body"]] == [("issue_refund", [[4], [5], [6], [7]])]
    text = run("flows/refund.py").output
    assert 'DBOS.patch("notify-manager")  (True: marker at function id 2)' in text
    assert "step DBOS.recv  (function ids 2,3 | 4,5)" in text
    assert "step issue_refund  (function id 4 | 5 | 6 | 7)" in text


def test_function_ids_the_code_does_not_fix_are_said_to_depend_on_the_run(repo):
    (repo / "flows" / "refund.py").write_text(DBOS.replace('for _ in ("a", "b"):', "while decision:"), encoding="utf-8")
    data = json.loads(run("--format", "json", "flows/refund.py").output)
    loop = data["workflows"][0]["program"][3]
    assert loop["count"] is None and loop["body"][0]["function_ids"] == []
    assert "step issue_refund  (function id: depends on the run)" in run("flows/refund.py").output


def test_rev_reads_a_revision_without_checkout(repo):
    (repo / "flows" / "order.py").write_text(TEMPORAL.replace('"check_fraud"', '"check_fraud_v2"'), encoding="utf-8")
    (repo / "flows" / "refund.py").unlink()
    now = json.loads(run("--format", "json", "flows").output)
    assert [w["name"] for w in now["workflows"]] == ["OrderWorkflow"]
    assert now["workflows"][0]["program"][1]["new"][0]["name"] == "check_fraud_v2"
    head = git(repo, "rev-parse", "HEAD")
    then = json.loads(run("--rev", "HEAD", "--format", "json", "flows").output)
    assert then["revision"] == head
    assert [w["name"] for w in then["workflows"]] == ["OrderWorkflow", "refund_workflow"]
    assert then["workflows"][0]["program"][1]["new"][0]["name"] == "check_fraud"
    assert (repo / "flows" / "order.py").read_text().count("check_fraud_v2") == 1  # working tree untouched
    assert (
        run("--rev", "HEAD", "flows/refund.py")
        .output.rstrip()
        .endswith(f"1 workflow(s) in 1 file(s) at revision {head[:10]}")
    )


def test_helpers_in_sibling_modules_resolve(repo):
    (repo / "flows" / "helpers.py").write_text(
        textwrap.dedent("""\
        from datetime import timedelta

        from temporalio import workflow


        async def ship(order):
            await workflow.execute_activity("ship", order, start_to_close_timeout=timedelta(seconds=5))
        """),
        encoding="utf-8",
    )
    (repo / "flows" / "uses.py").write_text(
        textwrap.dedent("""\
        from temporalio import workflow

        from flows.helpers import ship


        @workflow.defn
        class Uses:
            @workflow.run
            async def run(self, order: str) -> None:
                await ship(order)
        """),
        encoding="utf-8",
    )
    data = json.loads(run("--format", "json", "flows/uses.py").output)
    (step,) = data["workflows"][0]["program"]
    assert (step["name"], step["path"], step["line"]) == ("ship", "flows/helpers.py", 7)


def test_outside_git_the_working_tree_is_read(tmp_path, monkeypatch):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "order.py").write_text(TEMPORAL, encoding="utf-8")
    (tmp_path / ".venv").mkdir()
    (tmp_path / ".venv" / "noise.py").write_text(TEMPORAL, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = run(".")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("OrderWorkflow  temporal workflow")
    assert "pkg/order.py:19" in result.output and ".venv" not in result.output
    assert run("--rev", "HEAD", ".").exit_code == 2


def test_no_workflow_is_said_plainly(repo):
    (repo / "plain.py").write_text("x = 1\n", encoding="utf-8")
    result = run("plain.py")
    assert result.exit_code == 0
    assert result.output == "no workflow found in 1 Python file(s) at the working tree\n"


@pytest.mark.parametrize(
    "args, message",
    [
        (("missing.py",), "patchlint: error: missing.py: no such file or directory in the working tree"),
        (("README.md",), "patchlint: error: README.md: not a Python file"),
        (("--rev", "nope", "flows"), "patchlint: error: unknown revision 'nope'"),
        (
            ("--rev", "HEAD", "flows/new.py"),
            "patchlint: error: flows/new.py: no such file or directory in revision HEAD",
        ),
        (("bad.py",), "patchlint: error: bad.py: syntax error at line "),
    ],
)
def test_bad_input_is_one_line_and_exit_2(repo, args, message):
    (repo / "bad.py").write_text("from temporalio import workflow\n\n\ndef broken(:\n", encoding="utf-8")
    (repo / "flows" / "new.py").write_text("x = 1\n", encoding="utf-8")
    result = CliRunner(mix_stderr=False).invoke(main, ["steps", *args]) if _mixes() else run(*args)
    assert result.exit_code == 2, result.output
    err = result.stderr if _mixes() else result.output
    assert err.count("\n") == 1 and err.startswith(message), err


def _mixes() -> bool:
    import inspect

    return "mix_stderr" in inspect.signature(CliRunner).parameters


def test_no_path_is_a_usage_error(repo):
    assert run().exit_code == 2


RUNNABLE_DBOS = DBOS.replace("    DBOS.no_such_api()\n", "")  # the unknown API would raise on the engine
PRE_PATCH_DBOS = RUNNABLE_DBOS.replace(
    """    if DBOS.patch("notify-manager"):
        notify_manager(order_id)
""",
    "",
)


def _recorded(case: Path, work: Path, source: str) -> dict[int, str]:
    """function id → name of the ``operation_outputs`` rows real DBOS writes running ``source``."""
    from tests.engines import dbos_case

    case.mkdir(parents=True)
    (case / "old.py").write_text(source, encoding="utf-8")
    out = work / "export.json"
    dbos_case.record(case, work, out)
    rows = json.loads(out.read_text())["tables"]["operation_outputs"]
    return {row["function_id"]: row["function_name"] for row in rows if row["workflow_uuid"] == "patchlint-recorded"}


def _predicted(data: dict) -> dict[int, set[str]]:
    """function id → every name ``steps`` says may be recorded there."""
    out: dict[int, set[str]] = {}

    def visit(nodes):
        for node in nodes:
            if node["type"] == "step":
                names = [node["name"], "DBOS.sleep"]  # a two-slot call's second id is its timeout sleep
                for ids in node["function_ids"]:
                    for i, fid in enumerate(ids):
                        out.setdefault(fid, set()).add(names[min(i, 1)])
            if node["type"] == "patch":
                for (fid,) in node["function_ids"]:
                    out.setdefault(fid, set()).add(f"DBOS.patch-{node['id']}")
            for key in ("then", "else", "new", "old", "body"):
                visit(node.get(key) or [])

    visit(data["workflows"][0]["program"])
    return out


@pytest.mark.engine
def test_dbos_function_ids_match_what_real_dbos_records(repo, tmp_path):
    """A run started on the patched code and one started before the patch (the old branch):
    every row real DBOS writes sits at an id ``steps`` gives that name."""
    predicted = _predicted(json.loads(run("--format", "json", "flows/refund.py").output))
    assert PRE_PATCH_DBOS != RUNNABLE_DBOS != DBOS
    patched = _recorded(tmp_path / "patched", tmp_path / "work-patched", RUNNABLE_DBOS)
    before = _recorded(tmp_path / "before", tmp_path / "work-before", PRE_PATCH_DBOS)
    assert patched == {
        1: "request_approval",
        2: "DBOS.patch-notify-manager",
        3: "notify_manager",
        4: "DBOS.recv",
        5: "DBOS.sleep",
        6: "issue_refund",
        7: "issue_refund",
    }
    assert before == {1: "request_approval", 2: "DBOS.recv", 3: "DBOS.sleep", 4: "issue_refund", 5: "issue_refund"}
    for rows in (patched, before):
        for fid, name in rows.items():
            assert name in predicted.get(fid, set()), (fid, name, predicted)


def test_a_conditions_own_step_runs_before_its_branch(repo):
    (repo / "flows" / "cond.py").write_text(
        textwrap.dedent("""\
        from dbos import DBOS


        @DBOS.step()
        def check() -> bool:
            return True


        @DBOS.step()
        def act() -> None:
            pass


        @DBOS.workflow()
        def flow() -> None:
            if check():
                act()
            act()
        """),
        encoding="utf-8",
    )
    (flow,) = json.loads(run("--format", "json", "flows/cond.py").output)["workflows"]
    first, branch, last = flow["program"]
    assert (first["name"], first["function_ids"]) == ("check", [[1]])
    assert (branch["type"], branch["cond"], branch["then"][0]["function_ids"]) == ("if", "check()", [[2]])
    assert (last["name"], last["function_ids"]) == ("act", [[2], [3]])


def _keys(value, out: set[str]) -> set[str]:
    if isinstance(value, dict):
        for key, inner in value.items():
            out.add(key)
            _keys(inner, out)
    elif isinstance(value, list):
        for inner in value:
            _keys(inner, out)
    return out


def test_every_json_field_and_node_type_is_documented(repo):
    doc = (Path(__file__).resolve().parents[1] / "docs" / "steps.md").read_text(encoding="utf-8")
    assert f"schema `{SCHEMA}`" in doc
    data = json.loads(run("--format", "json", "flows").output)
    for key in sorted(_keys(data, set())):
        assert f'"{key}"' in doc or f"`{key}`" in doc, key
    types = {n["type"] for w in data["workflows"] for n in _nodes(w["program"])}
    assert types == {"step", "if", "patch", "loop", "parallel", "try", "return", "wait"}
    for kind in (*types, "deprecate_patch"):
        assert f"| `{kind}`" in doc or f"`{kind}` |" in doc or f", `{kind}`" in doc, kind


def _nodes(items):
    for node in items:
        yield node
        for key in ("then", "else", "new", "old", "body", "finally"):
            yield from _nodes(node.get(key) or [])
        for group in node.get("handlers", []) + node.get("branches", []):
            yield from _nodes(group)


def test_the_documented_text_example_is_what_the_command_prints(repo):
    root = Path(__file__).resolve().parents[1]
    doc = (root / "docs" / "steps.md").read_text(encoding="utf-8")
    example = doc.split("## Text\n\n```\n", 1)[1].split("```", 1)[0]
    case = root / "testdata" / "cases" / "dbos-patch-before-recv" / "new.py"
    (repo / "flows" / "refund.py").write_text(case.read_text(encoding="utf-8"), encoding="utf-8")
    printed = run("flows/refund.py").output
    assert printed.startswith(example), printed
