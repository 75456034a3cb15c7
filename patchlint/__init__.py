"""patchlint: find workflow changes that break replay of in-flight Temporal and DBOS workflows."""

__version__ = "0.1.0"
