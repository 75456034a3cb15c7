"""`check --verify --format json` on every testdata case: every error finding carries a witness
from the reference runtime, nothing is demoted, and the runtime finds no break the rules missed."""

from __future__ import annotations

import json

import pytest
from casedata import all_cases
from click.testing import CliRunner

from patchlint.integrations.cli import main

CASES = [pytest.param(c, id=c.name) for c in all_cases()]


@pytest.mark.parametrize("case", CASES)
def test_every_error_has_a_witness(case, tmp_path, monkeypatch):
    monkeypatch.chdir(case.make_repo(tmp_path))
    result = CliRunner().invoke(main, ["check", "--verify", "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    findings = json.loads(result.output)["findings"]
    assert not any(f["code"] == "PAT199" for f in findings), findings
    assert not any("not confirmed by the reference runtime" in f["message"] for f in findings)
    for finding in findings:
        if finding["severity"] == "error" and finding["code"] != "PAT207":
            witness = finding.get("witness")
            assert witness and witness["cut"] and witness["engine_message"], finding
            assert isinstance(witness["event"], int)
