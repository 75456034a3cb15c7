"""Output formats. Each module turns a ``Report`` into text; ``FORMATS`` maps ``--format`` names."""

from __future__ import annotations

from collections.abc import Callable

from patchlint.findings import Report


def _load() -> dict[str, Callable[..., str]]:
    from patchlint.report import github, json_format, sarif, text

    return {
        "text": text.render,
        "json": json_format.render,
        "sarif": sarif.render,
        "github": github.render,
    }


FORMAT_NAMES = ("text", "json", "sarif", "github")


def render(report: Report, fmt: str, **options) -> str:
    return _load()[fmt](report, **options)
