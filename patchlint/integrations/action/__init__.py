"""The GitHub Action's scripts (``action.yml`` runs ``python -m patchlint.integrations.action.run``).

Kept as Python modules, not inline shell, so the tests can run them exactly as a runner would:
with ``GITHUB_EVENT_PATH``, ``GITHUB_STEP_SUMMARY`` and ``GITHUB_OUTPUT`` pointing at files.
"""
