"""``[tool.patchlint]`` in the repository's pyproject.toml. Unknown keys and bad values are an error."""

from __future__ import annotations

import fnmatch
import re
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path

from patchlint import deployment as deploy
from patchlint import suppression
from patchlint.errors import InputError
from patchlint.files import glob_applies
from patchlint.findings import Finding, Severity

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ENGINES = ("temporal", "dbos")
_DURATION = re.compile(r"^\s*([0-9]+)\s*([dhw])\s*$")
_UNIT_DAYS = {"d": 1.0, "h": 1 / 24, "w": 7.0}
MAX_DURATION_DAYS = 36525  # 100 years: longer is a typo, and dates that far ahead overflow


def parse_duration_days(text: str, key: str, where: str | None = None) -> float:
    """``"30d"``, ``"12h"``, ``"2w"`` → days (at most ``MAX_DURATION_DAYS``)."""
    if not isinstance(text, str):
        raise InputError(f'[tool.patchlint] {key} = {text!r}: expected a string like "30d", "12h" or "2w"', where)
    match = _DURATION.match(text)
    if not match:
        raise InputError(f'[tool.patchlint] {key} = {text!r}: expected a duration like "30d", "12h" or "2w"', where)
    digits, unit = match.group(1), match.group(2)
    days = int(digits) * _UNIT_DAYS[unit] if len(digits) <= 12 else float("inf")
    if days > MAX_DURATION_DAYS:
        raise InputError(f"[tool.patchlint] {key} = {text!r}: longer than 100 years ({MAX_DURATION_DAYS}d)", where)
    return days


@dataclass
class Config:
    engines: tuple[str, ...] = ENGINES
    # Extra decorators that make a DBOS step (dotted names as written, e.g. "myapp.db.transaction").
    step_decorators: tuple[str, ...] = ()
    # Rule code or prefix → severity; the most specific key that matches a finding's code wins.
    severity: dict[str, Severity] = field(default_factory=dict)
    exclude: tuple[str, ...] = ()
    # Rule selection, ruff's way (patchlint.suppression): [tool.patchlint] first, then the flags.
    selection: tuple[suppression.Layer, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (glob, codes)
    max_workflow_lifetime_days: float | None = None
    retention_days: float | None = None
    # How each engine's workers are deployed ([tool.patchlint] deployment and its overrides, --deployment).
    deployment: deploy.Declared = field(default_factory=deploy.Declared)
    source: str | None = None  # the file it was read from

    def rule_enabled(self, code: str) -> bool:
        """Selected for some file (``per-file-ignores`` aside): the rule has to run."""
        return suppression.selected(self.selection, code.upper())

    def rule_enabled_for(self, code: str, path: str) -> bool:
        """Selected, and not ignored for ``path`` by ``per-file-ignores``."""
        if not self.rule_enabled(code):
            return False
        code = code.upper()
        return not any(
            glob_applies(pattern, path) and any(suppression.matches(c, code) for c in codes)
            for pattern, codes in self.per_file_ignores
        )

    def with_flags(self, layer: suppression.Layer | None) -> Config:
        """This configuration with the command line's selection (``flag_layer``) as the last layer."""
        return self if layer is None else replace(self, selection=(*self.selection, layer))

    def with_deployment(self, flags: tuple[str, ...] = ()) -> Config:
        """This configuration with the command line's ``--deployment ENGINE=MODEL`` (checked)."""
        if not flags:
            return self
        return replace(self, deployment=replace(self.deployment, flags=flag_deployment(flags)))

    def apply_severity(self, finding: Finding) -> Finding:
        keys = [k for k in self.severity if suppression.matches(k, finding.code)]
        if not keys:
            return finding
        return finding.with_(severity=self.severity[max(keys, key=suppression.specificity)])

    def excluded(self, path: str) -> bool:
        return any(fnmatch.fnmatch(path, pattern) for pattern in self.exclude)


def flag_layer(select=(), extend_select=(), ignore=()) -> suppression.Layer | None:
    """The command line's ``--select``/``--extend-select``/``--ignore`` (each repeated or
    comma-separated), checked; ``None`` when none was given."""
    if not (select or extend_select or ignore):
        return None
    return suppression.Layer(
        select=_flag_codes(select, "--select") if select else None,
        extend_select=_flag_codes(extend_select, "--extend-select"),
        ignore=_flag_codes(ignore, "--ignore"),
    )


def flag_deployment(values) -> dict[str, str]:
    """``--deployment temporal=pinned`` (repeated or comma-separated) → ``{"temporal": "pinned"}``."""
    out: dict[str, str] = {}
    for value in values:
        for item in (v.strip() for v in value.split(",")):
            if not item:
                continue
            engine, sep, model = (part.strip() for part in item.partition("="))
            if not sep:
                raise InputError(f"--deployment {item!r}: expected ENGINE=MODEL, e.g. temporal=pinned")
            out[engine] = _model_name(engine, model, f"--deployment {engine}")
    return out


def _model_name(engine: str, model: object, label: str, where: str | None = None) -> str:
    if engine not in ENGINES:
        raise InputError(f"{label}: unknown engine {engine!r} (known: {', '.join(ENGINES)})", where)
    if model not in deploy.names_for(engine):
        raise InputError(f"{label} = {model!r}: expected one of {', '.join(deploy.names_for(engine))}", where)
    return model


def _deployment(table: dict, where: str) -> deploy.Declared:
    def engines(value: object, label: str) -> dict[str, str]:
        if not isinstance(value, dict):
            raise InputError(f"[tool.patchlint] {label} must be a table of engine = model", where)
        return {e: _model_name(e, m, f"[tool.patchlint] {label}.{e}", where) for e, m in value.items()}

    declared = deploy.Declared()
    if "deployment" in table:
        declared = replace(declared, engines=engines(table["deployment"], "deployment"))
    if "per-path-deployment" in table:
        value = table["per-path-deployment"]
        if not isinstance(value, dict):
            raise InputError("[tool.patchlint] per-path-deployment must be a table of glob = {engine = model}", where)
        declared = replace(
            declared,
            per_path=tuple((glob, engines(models, f"per-path-deployment.{glob!r}")) for glob, models in value.items()),
        )
    if "per-workflow-deployment" in table:
        value = table["per-workflow-deployment"]
        if not isinstance(value, dict):
            raise InputError("[tool.patchlint] per-workflow-deployment must be a table of workflow type = model", where)
        for name, model in value.items():
            if model not in deploy.NAMES:
                raise InputError(
                    f"[tool.patchlint] per-workflow-deployment.{name} = {model!r}: expected one of "
                    f"{', '.join(deploy.NAMES)}",
                    where,
                )
        declared = replace(declared, per_workflow=dict(value))
    return declared


def _flag_codes(values, flag: str) -> tuple[str, ...]:
    codes = [code for value in values for code in value.split(",") if code.strip()]
    return suppression.check_codes(codes, flag)


KEYS = {
    "engines": 'list of engines to analyse: "temporal", "dbos"',
    "step-decorators": "extra decorators (dotted, as written) that make a function a DBOS step",
    "severity": 'table of rule code (or prefix) → "error" | "warning" | "info"',
    "exclude": "glob patterns of repo-relative paths to skip",
    "select": 'rule codes or prefixes to check, instead of every rule ("ALL": every rule)',
    "extend-select": "rule codes or prefixes to check on top of the selection",
    "ignore": "rule codes or prefixes not to check",
    "disable": "the same as ignore (an older name)",
    "per-file-ignores": "table of path glob → rule codes or prefixes not to report in matching files",
    "max-workflow-lifetime": 'longest a workflow stays open, e.g. "30d" (lifecycle rules)',
    "retention": 'Temporal namespace retention, e.g. "7d" (lifecycle rules)',
    "deployment": "table of engine → how its workers are deployed (temporal: replace, build-id-compatible, "
    "build-id-new-set, pinned, auto-upgrade, new-task-queue; dbos: pinned-version, per-deploy-version, auto-upgrade)",
    "per-path-deployment": "table of path glob → {engine = model}, over deployment",
    "per-workflow-deployment": "table of workflow type → model, over per-path-deployment",
}


def _string_list(table: dict, key: str, where: str, label: str | None = None) -> tuple[str, ...]:
    value = table[key]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputError(f"[tool.patchlint] {label or key} must be a list of strings", where)
    return tuple(value)


def _codes(table: dict, key: str, where: str, label: str | None = None) -> tuple[str, ...]:
    codes = _string_list(table, key, where, label)
    try:
        return suppression.check_codes(codes, f"[tool.patchlint] {label or key}")
    except InputError as exc:
        raise InputError(str(exc), where) from None


def from_table(table: dict, where: str = "pyproject.toml") -> Config:
    unknown = sorted(set(table) - set(KEYS))
    if unknown:
        raise InputError(f"unknown key {unknown[0]!r} in [tool.patchlint] (known: {', '.join(KEYS)})", where)
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
    layer = suppression.Layer(
        select=_codes(table, "select", where) if "select" in table else None,
        extend_select=_codes(table, "extend-select", where) if "extend-select" in table else (),
        ignore=tuple(code for key in ("ignore", "disable") if key in table for code in _codes(table, key, where)),
    )
    if layer != suppression.Layer():
        config.selection = (layer,)
    if "per-file-ignores" in table:
        if not isinstance(table["per-file-ignores"], dict):
            raise InputError("[tool.patchlint] per-file-ignores must be a table of glob = [codes]", where)
        config.per_file_ignores = tuple(
            (glob, _codes(table["per-file-ignores"], glob, where, f"per-file-ignores.{glob!r}"))
            for glob in table["per-file-ignores"]
        )
    if "severity" in table:
        if not isinstance(table["severity"], dict):
            raise InputError("[tool.patchlint] severity must be a table of code = level", where)
        for code, level in table["severity"].items():
            try:
                key = suppression.check_code(code, "[tool.patchlint] severity")
                config.severity[key] = Severity(level)
            except InputError as exc:
                raise InputError(str(exc), where) from None
            except ValueError:
                raise InputError(
                    f"[tool.patchlint] severity.{code} = {level!r}: expected error, warning or info", where
                ) from None
    config.deployment = _deployment(table, where)
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
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", str(path)) from None
    tool = data.get("tool", {})
    if not isinstance(tool, dict):
        raise InputError("[tool] must be a table", str(path))
    table = tool.get("patchlint", {})
    if not isinstance(table, dict):
        raise InputError("[tool.patchlint] must be a table", str(path))
    return from_table(table, str(path))
