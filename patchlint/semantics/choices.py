"""Which way each branch goes in one run: the runtime records and replays under the same choices.

A choice key names a decision the code makes at run time that patchlint cannot see:

- ``("if", cond)``: an ``if`` test, by its normalised source text. The same text in old and new
  means the same outcome for the same run (a flag of the workflow's input), so one key serves
  both revisions; a text found on one side only is still a free decision of its own.
- ``("loop", header)``: how many times a loop body runs: 0, 1 or 2 (two runs already show every
  order a body's steps can meet in, once the loop repeats).
- ``("try", ordinal)``: the n-th ``try`` of the program (source order): no exception, or an
  exception after the body handled by handler k. Old and new share a key by ordinal, so adding a
  ``try`` before another one shifts which run is compared; both outcomes are still enumerated.

How many runs: every combination of every key's values when that product is at most
``MAX_COMBINATIONS``. Past it (huge programs), the runs are: the all-default run, each key alone
taking each of its values (one factor at a time: every branch taken at least once), then
seeded-random combinations until the cap. The cap keeps a replay check of any program within a
few milliseconds; it is deterministic, so a verdict never flickers between runs.

A loop whose iteration count Python fixes (``Loop.count``) is no decision: it has no key. Loop
keys are the loop's ``target in iterable`` text, so ``for x in items:`` and the comprehension
``[... for x in items]`` over the same iterable are the same decision.

The interpreter asks a ``Decider``: ``FixedChoices`` answers from one such mapping (the diff,
``--verify``); ``patchlint replay`` uses a decider guided by the real history.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator, Mapping
from typing import Protocol

from patchlint.model.program import If, Loop, Node, Try, walk

MAX_COMBINATIONS = 256
LOOP_COUNTS = (0, 1, 2)
NO_EXCEPTION = -1

Choices = Mapping[tuple, object]


def choice_keys(*programs: Node) -> dict[tuple, tuple]:
    """Every decision point of the programs and the values it can take (first value = default)."""
    keys: dict[tuple, tuple] = {}
    for program in programs:
        tries = 0
        for node in walk(program):
            if isinstance(node, If):
                keys.setdefault(("if", node.cond), (False, True))
            elif isinstance(node, Loop) and node.count is None:
                keys.setdefault(("loop", loop_key(node.cond)), LOOP_COUNTS)
            elif isinstance(node, Try):
                key = ("try", tries)
                tries += 1
                values = (NO_EXCEPTION, *range(len(node.handlers)))
                if len(values) > len(keys.get(key, ())):
                    keys[key] = values
    return keys


def enumerate_choices(old: Node, new: Node, cap: int = MAX_COMBINATIONS) -> list[dict]:
    """The runs to check for an (old, new) pair of programs (see the module doc for the cap)."""
    keys = choice_keys(old, new)
    names = sorted(keys, key=repr)
    total = 1
    for name in names:
        total *= len(keys[name])
    if total <= cap:
        return [dict(zip(names, combo)) for combo in itertools.product(*(keys[n] for n in names))]
    return list(_capped(names, keys, cap))


def _capped(names: list[tuple], keys: dict[tuple, tuple], cap: int) -> Iterator[dict]:
    seen: set[tuple] = set()

    def emit(run: dict):
        sig = tuple(run[n] for n in names)
        if sig in seen or len(seen) >= cap:
            return None
        seen.add(sig)
        return run

    default = {n: keys[n][0] for n in names}
    for run in [default] + [{**default, n: v} for n in names for v in keys[n][1:]]:
        if emit(run) is not None:
            yield run
    rng = random.Random(0)
    attempts = 0
    while len(seen) < cap and attempts < cap * 4:
        attempts += 1
        run = {n: rng.choice(keys[n]) for n in names}
        if emit(run) is not None:
            yield run


def loop_key(header: str) -> str:
    """``x in items`` for ``for x in items`` and for the comprehension clause ``for x in items``."""
    text = header.strip()
    for prefix in ("async ", "for "):
        text = text.removeprefix(prefix)
    return text


def if_value(choices: Choices, cond: str) -> bool:
    return bool(choices.get(("if", cond), False))


def loop_count(choices: Choices, header: str) -> int:
    key = ("loop", loop_key(header))
    return int(choices[key] if key in choices else choices.get(("loop", header), 1))


def try_outcome(choices: Choices, ordinal: int) -> int:
    return int(choices.get(("try", ordinal), NO_EXCEPTION))


class Decider(Protocol):
    """What the interpreter asks at each decision the code makes at run time."""

    def if_value(self, cond: str) -> bool: ...

    def loop_again(self, header: str, iteration: int) -> bool:
        """Does the body of the loop ``header`` run once more, after ``iteration`` runs?"""

    def try_outcome(self, ordinal: int, handlers: int) -> int:
        """``NO_EXCEPTION`` or the index of the handler the ``ordinal``-th ``try`` goes to."""


class FixedChoices:
    """A decider answering from one choices mapping (every run of the diff and ``--verify``)."""

    def __init__(self, choices: Choices):
        self.choices = choices

    def if_value(self, cond: str) -> bool:
        return if_value(self.choices, cond)

    def loop_again(self, header: str, iteration: int) -> bool:
        return iteration < loop_count(self.choices, header)

    def try_outcome(self, ordinal: int, handlers: int) -> int:
        return try_outcome(self.choices, ordinal)


def as_decider(choices) -> Decider:
    """A decider from a choices mapping, or the decider itself."""
    return FixedChoices(choices) if isinstance(choices, Mapping) else choices


def describe(choices: Choices) -> str:
    """``if paid: True, for item in items: 2 iterations``: the run a witness was found in."""
    parts = []
    for key, value in sorted(choices.items(), key=repr):
        kind, name = key
        if kind == "if":
            parts.append(f"`{name}` is {value}")
        elif kind == "loop":
            parts.append(f"`{name}` runs {value}×")
        elif kind == "try" and value != NO_EXCEPTION:
            parts.append(f"try #{name + 1} raises into handler {value + 1}")
    return ", ".join(parts)


__all__ = [
    "Choices",
    "Decider",
    "FixedChoices",
    "as_decider",
    "loop_key",
    "MAX_COMBINATIONS",
    "NO_EXCEPTION",
    "choice_keys",
    "describe",
    "enumerate_choices",
    "if_value",
    "loop_count",
    "try_outcome",
]
