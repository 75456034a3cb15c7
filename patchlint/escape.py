"""Making user strings safe to print: every name, path and message patchlint shows comes from the code it
reads (string literals, file names), and a CI log, a terminal or a Markdown page must not take any of it
for an instruction.

- ``printable``: control characters (newlines, ESC, bidi overrides, lone surrogates...) become visible
  ``\\n``/``\\x1b``/``\\u202e`` escapes, so a user string stays on its line and cannot move the cursor.
- ``neutralize_commands``: a line a CI runner would read as a workflow command (GitHub's runner trims
  leading whitespace and obeys ``::cmd::``, and obeys a legacy ``##[cmd]`` anywhere in a line) gets
  its marker escaped. patchlint itself never prints such a line in its text output.
- ``md_text`` and ``md_code``: Markdown text with every ASCII punctuation character backslash-escaped
  (no link, image, HTML tag or emphasis can start), and a code span whose fence is longer than any
  run of backticks inside it.
"""

from __future__ import annotations

import re
import unicodedata

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# Cc: C0/C1 controls (ESC, NEL...), Cf: format (bidi overrides, zero-width), Cs: lone surrogates (file
# names git gave back with surrogateescape), Zl/Zp: U+2028/U+2029 line and paragraph separators.
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def _escape_char(ch: str) -> str:
    if ch in _NAMED:
        return _NAMED[ch]
    code = ord(ch)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def printable(text: str) -> str:
    """``text`` on one line, every control or format character shown as a Python-style escape."""
    if text.isprintable() and text.isascii():
        return text
    return "".join(_escape_char(ch) if unicodedata.category(ch) in _UNSAFE_CATEGORIES else ch for ch in text)


_LEGACY_COMMAND = re.compile(r"##\[")


def neutralize_commands(line: str) -> str:
    """``line`` such that no CI runner reads it as a workflow command (GitHub: ``::`` after leading
    whitespace, ``##[`` anywhere)."""
    stripped = line.lstrip()
    if stripped.startswith("::"):
        cut = len(line) - len(stripped)
        line = line[:cut] + "\\x3a" + stripped[1:]
    return _LEGACY_COMMAND.sub("#\\\\x23[", line)


def safe_lines(text: str) -> str:
    """Every line of ``text`` through ``neutralize_commands`` (the user strings in it already printable)."""
    return "\n".join(neutralize_commands(line) for line in text.split("\n"))


_MD_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def md_text(text: str) -> str:
    """Literal Markdown text on one line: every ASCII punctuation character backslash-escaped (GFM
    lets any of them be), so ``[x](y)``, ``<img>``, ``</details>``, ``*``, `````` ``` `````` and ``|``
    (table cells) show as typed."""
    return _MD_PUNCTUATION.sub(r"\\\1", printable(text))


def md_code(text: str, in_table: bool = False) -> str:
    """An inline code span holding ``text`` literally: the fence is one backtick longer than the longest
    run of backticks inside, padded with spaces when the text starts or ends with one. In a table cell
    ``|`` is escaped (GFM undoes that inside code spans in tables, and only there)."""
    text = printable(text)
    if in_table:
        text = text.replace("|", "\\|")
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{fence}{pad}{text}{pad}{fence}"
