"""The step program of each workflow (see ``program``)."""
