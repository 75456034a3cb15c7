"""The ``patchlint`` command line (click), every command in one place. Thin: each parses its options and
hands off to a library module (``api``, ``check``, ``replay``, ``steps``, ``lifecycle.inventory``)."""

from __future__ import annotations

import errno
import functools
import json
import os
import signal
import sys
from pathlib import Path

import click

from patchlint import __version__
from patchlint.errors import InputError, read_input, write_output
from patchlint.escape import printable
from patchlint.integrations.live_sources import timeout_option
from patchlint.report import FORMAT_NAMES, render

EXIT_OK, EXIT_FINDINGS, EXIT_INPUT = 0, 1, 2
SHOW_STEPS = "patchlint.show_steps"  # click context meta key of --show-steps


def one_line_errors(fn):
    """Bad input → one line on stderr and exit 2; never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except InputError as exc:
            click.echo(f"patchlint: error: {printable(str(exc))}", err=True)
            sys.exit(EXIT_INPUT)
        except RecursionError:
            click.echo("patchlint: error: the code is nested too deeply to analyse", err=True)
            sys.exit(EXIT_INPUT)

    return wrapper


EXIT_INTERRUPTED, EXIT_BROKEN_PIPE = 128 + signal.SIGINT, 128 + 13  # the shell's codes for a signal


class _Interrupted(BaseException):
    """Ctrl-C, raised by our SIGINT handler so that click never sees a KeyboardInterrupt."""


def _interrupt(signum, frame):
    raise _Interrupted


class _BrokenPipe(Exception):
    """stdout's reader went away; raised past click, which would exit 1 (our "findings")."""


class _Main(click.Group):
    """Every way out of the command line: usage errors are one line and exit 2 like bad input;
    Ctrl-C exits 130 and a closed pipe 141, quietly; an unwritable stdout is one line, exit 2."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except OSError as exc:
            if exc.errno == errno.EPIPE:
                raise _BrokenPipe from None
            raise

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        if sys.stdout is None:  # started with stdout closed (``>&-``)
            _fail("standard output is closed")
        try:
            previous = signal.signal(signal.SIGINT, _interrupt)
        except ValueError:  # not the main thread
            previous = None
        try:
            try:
                result = super().main(args, prog_name, complete_var, False, **extra)
                code = result if isinstance(result, int) else EXIT_OK
            except SystemExit as exc:
                code = exc.code
            sys.stdout.flush()
        except _Interrupted:
            code = EXIT_INTERRUPTED
        except _BrokenPipe:  # the reader went away (``| head``): stop quietly
            _silence_stdout()
            code = EXIT_BROKEN_PIPE
        except click.UsageError as exc:
            if type(exc).__name__ == "NoArgsIsHelpError":  # bare ``patchlint``: the help (click >= 8.2)
                exc.show()
                code = EXIT_INPUT
            else:
                hint = f" (try '{exc.ctx.command_path} --help')" if exc.ctx is not None else ""
                _fail(f"{exc.format_message().rstrip('.')}{hint}")
        except click.ClickException as exc:
            _fail(exc.format_message())
        except click.Abort:
            code = EXIT_INTERRUPTED
        except OSError as exc:
            if exc.errno == errno.EPIPE:  # at the last flush
                _silence_stdout()
                code = EXIT_BROKEN_PIPE
            elif exc.filename is None and exc.errno in (errno.ENOSPC, errno.EIO, errno.EBADF, errno.EFBIG):
                _silence_stdout()
                _fail(f"cannot write the output ({(exc.strerror or '').lower()})")
            else:
                raise
        finally:
            if previous is not None:
                signal.signal(signal.SIGINT, previous)
        sys.exit(code)


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so that the interpreter's last flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def _fail(message: str) -> None:
    click.echo(f"patchlint: error: {printable(message)}", err=True)
    sys.exit(EXIT_INPUT)


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", "-V", prog_name="patchlint")
def main():
    """Find workflow code changes that break in-flight Temporal and DBOS workflows.

    patchlint compares two revisions of your workflow code, models the steps each workflow issues
    (activities, timers, child workflows, DBOS steps…) and reports every change that a workflow
    started on the old code would fail to replay on the new code — unless a patch
    (`workflow.patched` / `DBOS.patch`) guards it. It only parses your code; it never imports or
    runs it.

    \b
    Exit codes: 0 no error-severity finding, 1 at least one, 2 bad input or usage.
    Configuration: [tool.patchlint] in the repository's pyproject.toml (see README).
    """


def _format_option(fn):
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(FORMAT_NAMES),
        default="text",
        show_default=True,
        help="text for people, json for tools, sarif for code scanning, github for workflow annotations.",
    )(fn)


def _common_options(fn):
    fn = click.option(
        "--verify",
        is_flag=True,
        help="Replay every base run against the head with the reference runtime: errors get "
        "a witness, unconfirmed ones become warnings, missed breaks are PAT199.",
    )(fn)
    fn = click.option("--no-color", is_flag=True, help="No colour in text output (default: colour on a terminal).")(fn)
    fn = click.option(
        "--show-steps",
        is_flag=True,
        expose_value=False,
        callback=lambda ctx, _param, value: ctx.meta.__setitem__(SHOW_STEPS, value),
        help="Text output: also print each workflow's old and new steps side by side, numbered "
        "as the engine numbers them.",
    )(fn)
    fn = click.option(
        "--summary",
        "summary_file",
        type=click.Path(dir_okay=False),
        default=None,
        help="Also append a Markdown summary (table and step diagrams) to this file.",
    )(fn)
    fn = click.option(
        "--sarif",
        "sarif_file",
        type=click.Path(dir_okay=False),
        default=None,
        help="Also write SARIF 2.1.0 to this file (one analysis, two outputs).",
    )(fn)
    return _format_option(fn)


def _selection_options(fn):
    codes = dict(multiple=True, metavar="CODES")
    fn = click.option("--exit-zero", is_flag=True, help="Exit 0 even if there are findings (2 still means bad input).")(
        fn
    )
    fn = click.option("--extend-select", **codes, help="Also check these rule codes or prefixes.")(fn)
    fn = click.option("--ignore", **codes, help="Do not check these rule codes or prefixes.")(fn)
    fn = click.option(
        "--select",
        **codes,
        help="Check only these rule codes or prefixes (e.g. PAT1,PAT201; ALL: every rule), "
        "instead of [tool.patchlint] select.",
    )(fn)
    return fn


def _deployment_option(fn):
    return click.option(
        "--deployment",
        multiple=True,
        metavar="ENGINE=MODEL",
        help="How this rollout's workers are deployed, over [tool.patchlint] deployment: temporal=replace|"
        "build-id-compatible|build-id-new-set|pinned|auto-upgrade|new-task-queue, dbos=pinned-version|per-deploy-version|"
        "auto-upgrade. What the code declares still wins.",
    )(fn)


def _flags(select, extend_select, ignore):
    from patchlint.config import flag_layer

    return flag_layer(select, extend_select, ignore)


def _emit(
    report,
    fmt: str,
    no_color: bool,
    summary_file: str | None,
    sarif_file: str | None,
    fail_on: str = "error",
    exit_zero: bool = False,
):
    colour = fmt == "text" and not no_color and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    show_steps = click.get_current_context().meta.get(SHOW_STEPS, False)
    click.echo(render(report, fmt, colour=colour, show_steps=show_steps), nl=False)
    if summary_file:
        from patchlint.report.summary import render_summary

        write_output(summary_file, render_summary(report), append=True)
    if sarif_file:
        write_output(sarif_file, render(report, "sarif"))
    failing = {"error"} if fail_on == "error" else {"error", "warning"}
    found = any(f.severity.value in failing for f in report.findings)
    sys.exit(EXIT_FINDINGS if found and not exit_zero else EXIT_OK)


@main.command()
@click.option(
    "--base",
    default=None,
    metavar="REV",
    help="Base revision: what in-flight workflows run today. Default: HEAD (or "
    "PRE_COMMIT_FROM_REF when pre-commit sets it).",
)
@click.option(
    "--head",
    default=None,
    metavar="REV",
    help="Head revision: what you are about to deploy. Default: the working tree (or PRE_COMMIT_TO_REF).",
)
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning"]),
    default="error",
    show_default=True,
    help="Lowest severity that makes the exit code 1.",
)
@click.option(
    "--temporal-address", metavar="HOST:PORT", help="count open runs of removed workflow types on this server (PAT106)"
)
@click.option("--namespace", default="default", show_default=True, help="Temporal namespace")
@click.option("--dbos-url", metavar="URL", help="DBOS system database to count open runs in (PAT106), read-only")
@timeout_option
@_selection_options
@_deployment_option
@_common_options
@click.argument("paths", nargs=-1, type=click.Path())
@one_line_errors
def check(
    base,
    head,
    fail_on,
    temporal_address,
    namespace,
    dbos_url,
    timeout,
    select,
    ignore,
    extend_select,
    exit_zero,
    fmt,
    verify,
    no_color,
    summary_file,
    sarif_file,
    paths,
    deployment=(),
):
    """Check the Python files changed between two git revisions.

    Runs inside a git repository. Every Python file that changed between BASE and HEAD is read at
    both revisions (renames followed; workflows are matched by type name, so moving a workflow to
    another file is not a change). Limit the check to PATHS if given.

    Under pre-commit (PRE_COMMIT=1) untracked files are left out: pre-commit stashes unstaged
    edits but not untracked files, so only what is being committed is compared.

    A `# noqa: PAT101` comment (or a bare `# noqa`) on a finding's line in HEAD silences it.

    With --temporal-address / --dbos-url, a removed workflow type (PAT106) is counted on the live
    engine: reported with its open runs while any remain, not reported once none do.
    """
    from patchlint import git
    from patchlint.check import check_repo
    from patchlint.config import load

    flags = _flags(select, extend_select, ignore)
    config = load(git.repo_root(".")).with_flags(flags).with_deployment(deployment)
    evidence = _evidence(temporal_address, namespace, False, dbos_url, timeout)
    try:
        report, _ = check_repo(".", base, head, tuple(paths), config=config, verify=verify, live=evidence)
    finally:
        if evidence is not None:
            evidence.close()
    _emit(report, fmt, no_color, summary_file, sarif_file, fail_on, exit_zero)


@main.command()
@_selection_options
@_deployment_option
@_common_options
@click.argument("old_file", type=click.Path())
@click.argument("new_file", type=click.Path())
@one_line_errors
def diff(
    select,
    ignore,
    extend_select,
    exit_zero,
    fmt,
    verify,
    no_color,
    summary_file,
    sarif_file,
    old_file,
    new_file,
    deployment=(),
):
    """Compare two files: OLD_FILE (what runs today) and NEW_FILE (what you will deploy). No git needed.

    A `# noqa: PAT101` comment (or a bare `# noqa`) on a finding's line in NEW_FILE silences it.
    """
    from patchlint.config import load
    from patchlint.errors import decode

    texts = [decode(read_input(name), name) for name in (old_file, new_file)]
    from patchlint.api import analyze_revisions
    from patchlint.files import FolderFiles

    config = load(Path.cwd()).with_flags(_flags(select, extend_select, ignore)).with_deployment(deployment)
    report = analyze_revisions(
        {old_file: texts[0]},
        {new_file: texts[1]},
        config=config,
        verify=verify,
        context_files={"old": FolderFiles(Path(old_file).parent), "new": FolderFiles(Path(new_file).parent)},
    )
    report.files = 1
    _emit(report, fmt, no_color, summary_file, sarif_file, exit_zero=exit_zero)


@main.command()
@click.argument("code", required=False)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@one_line_errors
def rules(code, fmt):
    """List the rules, or print one rule's documentation (e.g. `patchlint rules PAT101`)."""
    from patchlint.rules import all_rules, rule_by_code

    if code:
        rule = rule_by_code(code)
        if rule is None:
            raise InputError(f"unknown rule {code!r}; `patchlint rules` lists them")
        click.echo(rule.doc(), nl=False)
        return
    if fmt == "json":
        click.echo(
            json.dumps(
                [
                    {"code": r.code, "name": r.name, "severity": r.severity.value, "summary": r.summary}
                    for r in all_rules()
                ],
                indent=2,
            )
        )
        return
    for rule in all_rules():
        click.echo(f"{rule.code}  {rule.severity.value:<7}  {rule.name:<30} {rule.summary}")


@main.command()
@click.option(
    "--rev",
    default=None,
    metavar="REV",
    help="Read PATHS at this git revision (no checkout). Default: the working tree.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text: a tree per workflow; json: schema patchlint-steps/1 (docs/steps.md).",
)
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@one_line_errors
def steps(rev, fmt, paths):
    """Show the step program patchlint extracted for each workflow in PATHS (files or folders):
    steps, branches, loops, patches, handlers, and calls it could not classify."""
    from patchlint.steps import extract, render

    click.echo(render(extract(paths, rev), fmt), nl=False)


@main.command("replay")
@click.argument("histories", nargs=-1, type=click.Path())
@click.option("--head", "head", default=None, help="Git revision with the new code (default: working tree).")
@click.option(
    "--source",
    "sources",
    multiple=True,
    type=click.Path(),
    help="Workflow source file(s) to replay against, instead of a git revision.",
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.option("--dbos-url", default=None, help="DBOS system database: sqlite:///… or postgresql://…")
@click.option("--temporal-address", default=None, help="HOST:PORT of a Temporal frontend.")
@click.option("--namespace", default="default", show_default=True)
@click.option("--query", default=None, help="Visibility query selecting executions.")
@timeout_option
@click.option(
    "--workflow",
    "selector",
    default=None,
    metavar="MODULE:NAME",
    help="The workflow to replay against when several modules define the history's type.",
)
@one_line_errors
def replay(histories, head, sources, fmt, dbos_url, temporal_address, namespace, query, timeout, selector):
    """Replay real HISTORY files (and/or live histories) against the head revision's step model."""
    from patchlint.integrations.history_io import fetch_temporal, load_dbos_url, load_history_file
    from patchlint.replay import Replayed, engine_of, head_workflows, replay_one

    if head and sources:
        raise InputError("give either --head or --source, not both")
    loaded = []
    for path in histories:
        loaded += load_history_file(path)
    if dbos_url:
        loaded += load_dbos_url(dbos_url, timeout)
    if temporal_address:
        loaded += fetch_temporal(temporal_address, namespace, query, timeout)
    if not (histories or dbos_url or temporal_address):
        raise InputError("nothing to replay: give HISTORY files, --dbos-url or --temporal-address")
    needed = {(engine_of(item.history), item.workflow_type) for item in loaded}
    workflows = head_workflows(tuple(sources), head, selector, needed)
    verdicts = [Replayed(item, replay_one(workflows, item.workflow_type, item.history)) for item in loaded]
    if fmt == "json":
        click.echo(json.dumps({"results": [v.to_json() for v in verdicts]}, indent=2))
    else:
        for verdict in verdicts:
            click.echo(verdict.text())
    sys.exit(1 if any(not v.result.ok for v in verdicts) else 0)


def _relative(root: Path, paths: tuple[str, ...]) -> tuple[str, ...]:
    out = []
    for path in paths:
        full = Path(path).resolve()
        try:
            out.append(str(full.relative_to(root.resolve())) or ".")
        except ValueError:
            raise InputError("path is outside the repository", path) from None
    return tuple(out)


def _evidence(temporal_address, namespace, include_closed, dbos_url, timeout):
    from patchlint.integrations.live_patches import DbosEvidence, Evidence, TemporalEvidence

    if include_closed and not temporal_address:
        raise InputError("--include-closed needs --temporal-address")
    if not (temporal_address or dbos_url):
        return None
    dbos = DbosEvidence(dbos_url, timeout) if dbos_url else None
    try:
        temporal = TemporalEvidence(temporal_address, namespace, include_closed, timeout) if temporal_address else None
    except InputError:
        if dbos is not None:
            dbos.close()
        raise
    return Evidence(temporal, dbos)


@main.command("patches")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option(
    "--temporal-address", metavar="HOST:PORT", help="count the runs a move would break on this Temporal server"
)
@click.option("--namespace", default="default", show_default=True, help="Temporal namespace")
@click.option("--include-closed", is_flag=True, help="also count closed Temporal runs still within retention")
@click.option("--dbos-url", metavar="URL", help="DBOS system database (sqlite:///… or postgresql://…), read-only")
@timeout_option
@click.argument("paths", nargs=-1, type=click.Path())
def patches(fmt, temporal_address, namespace, include_closed, dbos_url, timeout, paths):
    """Inventory every patch: id, engine, workflow, stage, since when, and keep / ready-to-deprecate /
    ready-to-remove (from git history and max-workflow-lifetime, or from the live engines), or
    unknown when a shallow clone's history ends before the stage began, or unneeded when the
    deployment model (MODEL) lets no older run replay the code (PINNED, new Build-ID set, per-deploy
    DBOS version)."""
    from patchlint.config import load
    from patchlint.git import repo_root
    from patchlint.lifecycle.inventory import inventory, render_table

    evidence = None
    try:
        root = repo_root(".")
        config = load(root)
        evidence = _evidence(temporal_address, namespace, include_closed, dbos_url, timeout)
        entries = inventory(root, config, _relative(root, paths), live=evidence)
    except InputError as exc:
        click.echo(f"patchlint: error: {printable(str(exc))}", err=True)
        sys.exit(2)
    finally:
        if evidence is not None:
            evidence.close()
    if fmt == "json":
        click.echo(json.dumps({"patches": [e.to_json() for e in entries]}, indent=2))
    else:
        click.echo(render_table(entries), nl=False)
