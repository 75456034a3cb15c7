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
        ("0", 0), ("1.5", 1.5), ("'a' 'b'", "ab"), ("b'x'", b"x"), ("None", None), ("True", True),
        ("(1, 'a')", (1, "a")), ("[1, 2]", [1, 2]), ("{1}", {1}), ("{'k': 1}", {"k": 1}),
        ("-1 + 2 * 3", 5), ("7 // 2", 3), ("1 < 2 <= 2", True), ("not 0", True),
        ("0 or 'x'", "x"), ("0 and undefined_name", 0), ("len((1, 2, 3))", 3),
        ("range(2)", range(2)), ("datetime.timedelta(seconds=5)", datetime.timedelta(seconds=5)),
        ("N", 3), ("M", 7), ("consts.N", 3), ("ZERO", datetime.timedelta(0)), ("LETTERS", ["a", "b"]),
        ("range(N)", range(3)), ("[*LETTERS, 'c']", ["a", "b", "c"]), ("N if N > 2 else 0", 3),
        ("LETTERS[1]", "b"), ("max(N, 5)", 5),
    ],
)
def test_evaluate_what_python_fixes(expr, expected):
    assert _value(expr) == expected


@pytest.mark.parametrize(
    "expr",
    [
        "TWICE",  # bound twice at module level
        "GROWN",  # a list mutated after its definition
        "undefined_name", "f(1)", "open('x')", "'x' * 10**9", "2 ** 100000", "range(10**9)",
        "N / 0", "consts.missing", "self.N", "os.environ['X']", "lambda: 1", "f'{N}'",
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
