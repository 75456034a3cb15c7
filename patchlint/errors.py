"""Input errors: reported as one line on stderr with exit code 2, never a traceback."""


class InputError(Exception):
    """Bad input from the user: a file, a revision or the configuration. ``str()`` is the line shown."""

    def __init__(self, message: str, path: str | None = None):
        self.path = path
        super().__init__(f"{path}: {message}" if path else message)
