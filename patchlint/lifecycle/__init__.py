"""The patch lifecycle: when each patch id entered each stage (git history), what stage it may move
on to (``stages``), and live evidence from the engines (``live``).

patched(id) ──(no pre-patch run open)──▶ deprecate_patch(id) ──(no patched-era run open)──▶ removed
"""
