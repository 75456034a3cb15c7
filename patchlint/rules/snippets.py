"""The small workflow modules the PAT1xx examples are written with, as Fixit's snippets are.

An example states only the lines of the workflow's body (and the definitions) that differ; a
``Snippet`` wraps them into the complete module, which is what the rule runs on and what the docs
show. ``temporal()`` is::

    from temporalio import workflow          # imports=

    @workflow.defn                           # defn=  (defs= go before it, a blank line after)
    class Order:                             # name=
        @workflow.run
        async def run(self):
            <body>

``dbos("reserve", "charge")`` declares each step ``@DBOS.step() def reserve(): ...`` and then the
workflow ``@DBOS.workflow() def order():`` whose body is given. Expected lines are written relative
to the snippet: ``snippet.line(2)`` is the file line of the body's second line, ``workflow_line``
the line of the ``class``/``def`` that defines the workflow.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Snippet:
    header: str  # the module up to the workflow's body
    indent: str  # the body's indentation
    workflow_line: int  # the line of the class/def defining the workflow

    def __call__(self, *body: str) -> str:
        """The module with ``body`` (one statement a line, indented relative to the body) as the body."""
        return self.header + "".join(f"{self.indent}{line}\n" if line else "\n" for line in body)

    def line(self, n: int) -> int:
        """The file line of the body's ``n``-th line (1-based)."""
        return self.header.count("\n") + n


def temporal(
    name: str = "Order",
    *,
    imports: str = "from temporalio import workflow",
    defs: str = "",
    defn: str = "@workflow.defn",
) -> Snippet:
    """A Temporal module: ``imports``, ``defs`` (activities…), workflow class ``name`` with ``run``."""
    top = f"{imports}\n\n" + (f"{defs}\n\n" if defs else "") + f"{defn}\n"
    header = top + f"class {name}:\n    @workflow.run\n    async def run(self):\n"
    return Snippet(header, " " * 8, top.count("\n") + 1)


def dbos(*steps: str, name: str = "order") -> Snippet:
    """A DBOS module: ``@DBOS.step()`` functions ``steps`` (empty bodies) and workflow ``name``."""
    top = "from dbos import DBOS\n\n" + "".join(f"@DBOS.step()\ndef {step}(): ...\n\n" for step in steps)
    top += "@DBOS.workflow()\n"
    return Snippet(top + f"def {name}():\n", " " * 4, top.count("\n") + 1)
