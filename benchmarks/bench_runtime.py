"""How long the reference runtime takes to replay one typical history (µs per replay).

A typical workflow here: 10 steps (activities, a timer, a child workflow / DBOS steps and a recv),
a branch, and one patch guard. Its completed history is replayed by the patched new revision
(the common "does this deploy break anything" case), and a full ``verify_pair`` (every run, every
cut) is timed too.

Run: ``/work/venv/bin/python benchmarks/bench_runtime.py [--repeat N]``
"""

from __future__ import annotations

import argparse
import time

from patchlint.model.program import NOWHERE, If, Patched, Seq, Step, Workflow
from patchlint.semantics import dbos, temporal
from patchlint.verify import verify_pair


def _temporal_pair() -> tuple[Workflow, Workflow]:
    steps = [Step("activity", f"act{i}") for i in range(7)]
    body = (
        *steps[:3],
        Step("timer", "timer"),
        If("input.express", Seq((steps[3],)), Seq((steps[4],))),
        Step("child_workflow", "Ship"),
        *steps[5:],
    )
    old = Workflow("temporal", "Order", "w.py", NOWHERE, Seq(body))
    guarded = Patched("add-audit", new=Seq((Step("activity", "audit"),)), old=Seq())
    new = Workflow("temporal", "Order", "w.py", NOWHERE, Seq((*body[:4], guarded, *body[4:])))
    return old, new


def _dbos_pair() -> tuple[Workflow, Workflow]:
    steps = [Step("dbos_step", f"step{i}") for i in range(8)]
    recv, sleep = Step("dbos_step", "DBOS.recv", slots=2), Step("dbos_step", "DBOS.sleep")
    body = (*steps[:4], recv, *steps[4:], sleep)
    old = Workflow("dbos", "order", "w.py", NOWHERE, Seq(body))
    guarded = Patched("add-audit", new=Seq((Step("dbos_step", "audit"),)), old=Seq())
    new = Workflow("dbos", "order", "w.py", NOWHERE, Seq((*body[:3], guarded, *body[3:])))
    return old, new


def _per_call_us(fn, repeat: int) -> float:
    fn()  # warm up
    start = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - start) / repeat * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2000)
    args = parser.parse_args()
    choices = {("if", "input.express"): True}
    for label, engine, (old, new) in (
        ("temporal", temporal, _temporal_pair()),
        ("dbos", dbos, _dbos_pair()),
    ):
        histories = engine.record(old, choices)
        in_flight = histories[-2]  # the longest in-flight cut (DBOS never recovers completed runs)
        assert engine.replay(new, in_flight, choices).ok
        replay_us = _per_call_us(lambda: engine.replay(new, in_flight, choices), args.repeat)
        record_us = _per_call_us(lambda: engine.record(old, choices), args.repeat)
        verdict = verify_pair(old, new)
        verify_us = _per_call_us(lambda: verify_pair(old, new), max(args.repeat // 20, 10))
        size = len(in_flight.events if label == "temporal" else in_flight.rows)
        print(
            f"{label:8s} replay of a {size}-event "
            f"history: {replay_us:7.1f} µs | record (all cuts): {record_us:7.1f} µs | "
            f"verify_pair ({verdict.histories} replays): {verify_us / 1000:6.2f} ms"
        )


if __name__ == "__main__":
    main()
