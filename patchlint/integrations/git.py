"""Moved to ``patchlint.git`` (the one door to git, below every layer); ``decode``, ``Undecodable`` and
``warn`` to ``patchlint.errors``. Kept only for the modules not yet switched (the flake8 plugin, its
warm server and PAT106): import ``patchlint.git`` instead."""

from patchlint.errors import Undecodable, decode, warn  # noqa: F401
from patchlint.git import *  # noqa: F401,F403
from patchlint.git import GIT_TIMEOUT_S, REGULAR_MODES, SHALLOW_FIX, git_env  # noqa: F401
