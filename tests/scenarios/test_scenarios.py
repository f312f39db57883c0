"""The scenario suite: dossiers written from the regulations (corpus/scenarios/), each run
through the check the CLI runs and scored against its expected.yaml.

A scenario the checker still gets wrong is listed, with the reason, in known_failures.yaml and
runs as xfail(strict=True): fixing the checker flips it to XPASS, which fails the run until the
entry is removed. The per-jurisdiction table (caught/seeded, false errors, crashes) is printed
at the end of the run."""

from __future__ import annotations

import traceback
from pathlib import Path
from typing import Any

import pytest
import scenario_run
from scenario_run import (
    SCENARIOS,
    Score,
    builder,
    check_dossier,
    known_failures,
    scenario_id,
    score,
)

FOLDERS = builder().scenario_folders(SCENARIOS)
KNOWN = known_failures()
RESULTS = scenario_run.RESULTS


def _param(folder: Path) -> Any:
    sid = scenario_id(folder)
    marks = [pytest.mark.xfail(strict=True, reason=KNOWN[sid])] if sid in KNOWN else []
    return pytest.param(folder, id=sid, marks=marks)


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[dict[str, Any], Path]]:
    """Every scenario's files, PDFs exported in one LibreOffice batch."""
    b = builder()
    root = tmp_path_factory.mktemp("scenarios")
    out: dict[str, tuple[dict[str, Any], Path]] = {}
    pending = []
    for folder in FOLDERS:
        sid = scenario_id(folder)
        target = root / sid / "files"
        sc, pdfs = b.build(folder, target)
        pending += pdfs
        out[sid] = (sc, target)
    b.convert_pdfs(pending)
    return out


def test_known_failures_name_real_scenarios() -> None:
    ids = {scenario_id(f) for f in FOLDERS}
    assert not set(KNOWN) - ids, f"known_failures.yaml lists unknown scenarios: {sorted(set(KNOWN) - ids)}"


def test_suite_covers_every_stage() -> None:
    from dossier.packs import load_pack

    covered = {(f.parent.name, (SCENARIOS / scenario_id(f) / "scenario.yaml").read_text(encoding="utf-8"))
               for f in FOLDERS}
    have = {(j, s) for j, text in covered for s in _stages(j) if f"stage: {s}\n" in text}
    want = {(j, s.id) for j in ("guangzhou", "lianping", "qingpu", "wuhan", "yongchuan") for s in load_pack(j).stages}
    assert want <= have, f"stages without a scenario: {sorted(want - have)}"
    assert len(FOLDERS) >= 80


def _stages(jurisdiction: str) -> list[str]:
    from dossier.packs import load_pack

    return [s.id for s in load_pack(jurisdiction).stages]


@pytest.mark.parametrize("folder", [_param(f) for f in FOLDERS])
def test_scenario(folder: Path, built: dict[str, tuple[dict[str, Any], Path]]) -> None:
    sid = scenario_id(folder)
    sc, files = built[sid]
    expected = builder().load_expected(folder)
    compliant = bool(expected.get("must_not_error"))
    try:
        report = check_dossier(files, sc)
    except Exception:  # a crash is a result to count, then a failure
        s = Score(crash=traceback.format_exc(limit=3))
        RESULTS.append((sid, compliant, s))
        pytest.fail(f"check crashed:\n{s.crash}")
    s = score(report, expected)
    RESULTS.append((sid, compliant, s))
    problems = [f"missed: {m}" for m in s.missed] + [f"false error: {e}" for e in s.false_errors]
    assert not problems, "\n".join(problems)
