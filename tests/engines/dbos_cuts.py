"""Every state a crash can leave a DBOS workflow in, given the rows of one completed run.

Rows are written in ``function_id`` order, except for the two-number operations ``DBOS.recv`` and
``DBOS.getEvent``: their timeout sleep (the next number) is written when the call starts and the
call's own row when it returns. So the states are the ``function_id`` prefixes that never hold such
a call without its sleep, plus, per call, the "blocked in it" state: everything before the call
and the sleep row, but not the call's row.
"""

from __future__ import annotations

TWO_SLOT = ("DBOS.recv", "DBOS.getEvent")


def cuts_of(rows: list[dict], workflow_id: str) -> list[dict]:
    """``[{"label", "function_ids", "blocked"}]`` in the order the run passed through them."""
    mine = sorted((r["function_id"], r["function_name"]) for r in rows if r["workflow_uuid"] == workflow_id)
    names = dict(mine)
    cuts = []
    for count in range(len(mine) + 1):
        prefix = [fid for fid, _ in mine[:count]]
        if prefix and names[prefix[-1]] in TWO_SLOT and prefix[-1] + 1 in names:
            # the call's row without its sleep: not a state the engine writes; instead, the
            # workflow blocked in the call holds the sleep row but not the call's own row
            sleep = prefix[-1] + 1
            cuts.append(
                {
                    "label": f"blocked-in-{names[prefix[-1]]}-{prefix[-1]}",
                    "function_ids": prefix[:-1] + [sleep],
                    "blocked": True,
                }
            )
            continue
        cuts.append({"label": f"after-{count}-rows", "function_ids": prefix, "blocked": False})
    return cuts
