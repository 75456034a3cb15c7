"""``--format github``: GitHub Actions workflow commands, one annotation per finding.

GitHub turns each ``::error file=…,line=…::message`` line a step prints into an annotation on the
pull request's diff. The escaping is exactly what ``@actions/core`` does (``command.ts``): without it a
message holding a newline would end the command early, and a path holding ``,`` or ``:`` would be
read as the next property. Other control characters (ESC, bidi overrides, U+2028, the lone surrogates
of an undecodable file name...) are shown as visible escapes first (``printable``): GitHub would show
them raw, and a surrogate cannot even be written. Worst findings come first because GitHub shows only
the first few annotations of each severity per step.

An annotation's message is the finding's one-line message, then ``engine: …`` and ``fix: …`` lines
when the finding has them (GitHub shows an annotation's lines as written; each part is printable, so
only these newlines, escaped as ``%0A``, separate them).
"""

from __future__ import annotations

from patchlint.escape import printable
from patchlint.findings import Finding, Report

COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(text: str) -> str:
    """The message part, as ``escapeData`` in ``@actions/core``."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _visible(text: str) -> str:
    """Every control character but CR and LF (which ``escape_data`` carries) as a visible escape."""
    return "\r".join("\n".join(printable(part) for part in chunk.split("\n")) for chunk in text.split("\r"))


def escape_property(text: str) -> str:
    """A ``key=value`` property, as ``escapeProperty`` in ``@actions/core``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(finding: Finding) -> str:
    """One workflow command. Columns are 1-based there; GitHub accepts them only on one-line spans."""
    props = [("file", finding.path), ("line", finding.line)]
    single_line = finding.end_line in (0, finding.line)
    if single_line:
        props.append(("col", finding.column + 1))
    if finding.end_line and finding.end_line != finding.line:
        props.append(("endLine", finding.end_line))
    elif single_line and finding.end_column > finding.column:
        props += [("endLine", finding.line), ("endColumn", finding.end_column + 1)]
    props.append(("title", finding.code))
    rendered = ",".join(f"{key}={escape_property(_visible(str(value)))}" for key, value in props)
    command = COMMANDS[finding.severity.value]
    return f"::{command} {rendered}::{escape_data(annotation_text(finding))}"


def annotation_text(finding: Finding) -> str:
    """The message, then the engine's words and the fix on lines of their own."""
    lines = [_visible(finding.message)]
    if finding.engine_message:
        lines.append("engine: " + printable(finding.engine_message))
    if finding.fix:
        lines.append("fix: " + printable(finding.fix))
    return "\n".join(lines)


def render(report: Report, **_options) -> str:
    findings = sorted(report.findings, key=lambda f: f.sort_key())
    return "".join(annotation(f) + "\n" for f in findings)
