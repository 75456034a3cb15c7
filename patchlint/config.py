"""``[tool.patchlint]`` in the repository's pyproject.toml. Unknown keys are an error."""

from __future__ import annotations

import fnmatch
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from patchlint.errors import InputError
from patchlint.findings import Finding, Severity

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ENGINES = ("temporal", "dbos")
_DURATION = re.compile(r"^\s*(\d+)\s*([dhw])\s*$")


def parse_duration_days(text: str, key: str, where: str | None = None) -> float:
    """``"30d"``, ``"12h"``, ``"2w"`` → days."""
    match = _DURATION.match(str(text))
    if not match:
        raise InputError(f"[tool.patchlint] {key} = {text!r}: expected a duration like \"30d\", \"12h\" or \"2w\"", where)
    value, unit = int(match.group(1)), match.group(2)
    return value * {"d": 1.0, "h": 1 / 24, "w": 7.0}[unit]


@dataclass
class Config:
    engines: tuple[str, ...] = ENGINES
    # Extra decorators that make a DBOS step (dotted names as written, e.g. "myapp.db.transaction").
    step_decorators: tuple[str, ...] = ()
    severity: dict[str, Severity] = field(default_factory=dict)
    exclude: tuple[str, ...] = ()
    disable: tuple[str, ...] = ()
    max_workflow_lifetime_days: float | None = None
    retention_days: float | None = None
    source: str | None = None  # the file it was read from

    def rule_enabled(self, code: str) -> bool:
        return not any(code.upper().startswith(prefix.upper()) for prefix in self.disable)

    def apply_severity(self, finding: Finding) -> Finding:
        override = self.severity.get(finding.code)
        return finding.with_(severity=override) if override else finding

    def excluded(self, path: str) -> bool:
        return any(fnmatch.fnmatch(path, pattern) for pattern in self.exclude)


KEYS = {
    "engines": "list of engines to analyse: \"temporal\", \"dbos\"",
    "step-decorators": "extra decorators (dotted, as written) that make a function a DBOS step",
    "severity": "table of rule code → \"error\" | \"warning\" | \"info\"",
    "exclude": "glob patterns of repo-relative paths to skip",
    "disable": "rule codes (or prefixes such as \"PAT2\") to turn off",
    "max-workflow-lifetime": "longest a workflow stays open, e.g. \"30d\" (lifecycle rules)",
    "retention": "Temporal namespace retention, e.g. \"7d\" (lifecycle rules)",
}


def _string_list(table: dict, key: str, where: str) -> tuple[str, ...]:
    value = table[key]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputError(f"[tool.patchlint] {key} must be a list of strings", where)
    return tuple(value)


def from_table(table: dict, where: str = "pyproject.toml") -> Config:
    unknown = sorted(set(table) - set(KEYS))
    if unknown:
        raise InputError(
            f"unknown key {unknown[0]!r} in [tool.patchlint] (known: {', '.join(KEYS)})", where
        )
    config = Config(source=where)
    if "engines" in table:
        config.engines = _string_list(table, "engines", where)
        bad = [e for e in config.engines if e not in ENGINES]
        if bad:
            raise InputError(f"[tool.patchlint] engines: unknown engine {bad[0]!r}", where)
    if "step-decorators" in table:
        config.step_decorators = _string_list(table, "step-decorators", where)
    if "exclude" in table:
        config.exclude = _string_list(table, "exclude", where)
    if "disable" in table:
        config.disable = _string_list(table, "disable", where)
    if "severity" in table:
        if not isinstance(table["severity"], dict):
            raise InputError("[tool.patchlint] severity must be a table of code = level", where)
        for code, level in table["severity"].items():
            try:
                config.severity[code.upper()] = Severity(level)
            except ValueError:
                raise InputError(
                    f"[tool.patchlint] severity.{code} = {level!r}: expected error, warning or info", where
                ) from None
    for key, attr in (("max-workflow-lifetime", "max_workflow_lifetime_days"), ("retention", "retention_days")):
        if key in table:
            setattr(config, attr, parse_duration_days(table[key], key, where))
    return config


def load(root: Path | None) -> Config:
    """Read ``[tool.patchlint]`` from ``root/pyproject.toml``; defaults when there is none."""
    if root is None:
        return Config()
    path = Path(root) / "pyproject.toml"
    if not path.is_file():
        return Config()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"invalid TOML: {exc}", str(path)) from None
    table = data.get("tool", {}).get("patchlint", {})
    if not isinstance(table, dict):
        raise InputError("[tool.patchlint] must be a table", str(path))
    return from_table(table, str(path))
