"""Run one scenario through the public check path and score it against expected.yaml.

Used by tests/scenarios/test_scenarios.py; `python tests/scenarios/scenario_run.py [ID ...]`
runs scenarios outside pytest and prints each one's findings and the per-jurisdiction table."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = REPO / "corpus" / "scenarios"
KNOWN_FAILURES = Path(__file__).resolve().parent / "known_failures.yaml"
RANK = {"info": 0, "warning": 1, "error": 2}
RESULTS: list[tuple[str, bool, Score]] = []  # filled by the test run, printed by conftest


def builder() -> ModuleType:
    """corpus/scenarios/builder.py (corpus/ is data, not a package)."""
    name = "scenario_builder"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, SCENARIOS / "builder.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


def scenario_id(folder: Path) -> str:
    return f"{folder.parent.name}/{folder.name}"


def known_failures() -> dict[str, str]:
    if not KNOWN_FAILURES.is_file():
        return {}
    data = yaml.safe_load(KNOWN_FAILURES.read_text(encoding="utf-8")) or {}
    return {str(k): str(v) for k, v in data.items()}


def check_dossier(files: Path, sc: Mapping[str, Any]) -> dict[str, Any]:
    """The public check path (`dossier.check`, what the CLI calls): pack by id, facts validated as
    a facts.yaml is, the scenario's as-of date. Returns the report's JSON form."""
    import dossier

    report = dossier.check(files, jurisdiction=sc["jurisdiction"], stage=sc["stage"], facts=dict(sc.get("facts") or {}),
                           as_of=sc.get("as_of"))
    return dict(report.to_json())


@dataclass
class Score:
    seeded: int = 0
    caught: int = 0
    missed: list[str] = field(default_factory=list)
    false_errors: list[str] = field(default_factory=list)
    crash: str = ""

    @property
    def ok(self) -> bool:
        return not self.crash and not self.missed and not self.false_errors


def _codes(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def finding_matches(f: Mapping[str, Any], exp: Mapping[str, Any]) -> bool:
    from dossier.codes import BY_CODE

    if "code" in exp and f["code"] not in _codes(exp["code"]):
        return False
    if "kind" in exp and BY_CODE[f["code"]].slug not in _codes(exp["kind"]):
        return False
    req = str(f.get("requirement") or "")
    for key in ("requirement", "material", "rule"):
        if key in exp and req not in _codes(exp[key]):
            return False
    if "section" in exp and not any(req.endswith("/" + s) for s in _codes(exp["section"])):
        return False
    if "section_title" in exp:
        where = str((f.get("location") or {}).get("section") or "")
        last = where.split(" › ")[-1] if where else ""
        if not any(t in last for t in _codes(exp["section_title"])):
            return False
    if "file" in exp and str((f.get("location") or {}).get("file") or "").split("/")[-1] != exp["file"]:
        return False
    return RANK[f["severity"]] >= RANK[exp.get("min_severity", "error")]


def describe(exp: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in exp.items() if k != "why")


def score(report: Mapping[str, Any], expected: Mapping[str, Any]) -> Score:
    s = Score()
    findings: Sequence[Mapping[str, Any]] = report.get("findings") or ()
    for exp in expected.get("must_report") or ():
        s.seeded += 1
        if any(finding_matches(f, exp) for f in findings):
            s.caught += 1
        else:
            s.missed.append(describe(exp))
    allowed = list(expected.get("allowed_errors") or ())
    if expected.get("must_not_error"):
        for f in findings:
            if f["severity"] == "error" and not any(finding_matches(f, a) for a in allowed):
                s.false_errors.append(f"{f['code']} {f.get('requirement')}: {f['message']}")
    for forbid in expected.get("must_not_report") or ():
        for f in findings:
            if finding_matches(f, {**forbid, "min_severity": forbid.get("min_severity", "error")}):
                s.false_errors.append(f"{f['code']} {f.get('requirement')}: {f['message']}")
    return s


def table(rows: Iterable[tuple[str, bool, Score]]) -> str:
    """Per jurisdiction: scenarios, seeded violations caught / total, false errors on compliant
    dossiers (and scenarios with any), crashes."""
    agg: dict[str, dict[str, int]] = {}
    for sid, compliant, s in rows:
        a = agg.setdefault(sid.split("/")[0], {"n": 0, "ok": 0, "seeded": 0, "caught": 0, "compliant": 0,
                                               "false": 0, "false_sc": 0, "crash": 0})
        a["n"] += 1
        a["ok"] += s.ok
        a["seeded"] += s.seeded
        a["caught"] += s.caught
        a["compliant"] += compliant
        if compliant:
            a["false"] += len(s.false_errors)
            a["false_sc"] += bool(s.false_errors)
        a["crash"] += bool(s.crash)
    lines = ["jurisdiction  scenarios  pass  caught/seeded  false-errors(compliant scenarios hit)  crashes"]
    tot = dict.fromkeys(("n", "ok", "seeded", "caught", "compliant", "false", "false_sc", "crash"), 0)
    for j in sorted(agg):
        a = agg[j]
        for k in tot:
            tot[k] += a[k]
        lines.append(f"{j:<12}  {a['n']:>9}  {a['ok']:>4}  {a['caught']:>6}/{a['seeded']:<6}  "
                     f"{a['false']:>5} ({a['false_sc']}/{a['compliant']})  {a['crash']:>26}")
    lines.append(f"{'total':<12}  {tot['n']:>9}  {tot['ok']:>4}  {tot['caught']:>6}/{tot['seeded']:<6}  "
                 f"{tot['false']:>5} ({tot['false_sc']}/{tot['compliant']})  {tot['crash']:>26}")
    return "\n".join(lines)


def main(argv: Sequence[str]) -> int:
    import tempfile

    b = builder()
    verbose = "-v" in argv
    argv = [a for a in argv if a != "-v"]
    folders = [f for f in b.scenario_folders(SCENARIOS) if not argv or any(scenario_id(f).startswith(a) for a in argv)]
    rows = []
    with tempfile.TemporaryDirectory(prefix="scenarios-") as tmp:
        built = []
        pending = []
        for folder in folders:
            sc, pdfs = b.build(folder, Path(tmp) / scenario_id(folder) / "files")
            pending += pdfs
            built.append((folder, sc, Path(tmp) / scenario_id(folder) / "files"))
        b.convert_pdfs(pending)
        for folder, sc, files in built:
            expected = b.load_expected(folder)
            try:
                report = check_dossier(files, sc)
                if verbose:
                    for f in report["findings"]:
                        print(f"    {f['severity']:<7} {f['code']} {f.get('requirement')}: {f['message']}")
                s = score(report, expected)
            except Exception as exc:  # noqa: BLE001 - a crash is a result here
                s = Score(crash=f"{type(exc).__name__}: {exc}")
            rows.append((scenario_id(folder), bool(expected.get("must_not_error")), s))
            mark = "ok " if s.ok else "BAD"
            print(f"{mark} {scenario_id(folder)}  caught {s.caught}/{s.seeded}")
            for m in s.missed:
                print(f"      missed: {m}")
            for e in s.false_errors:
                print(f"      false error: {e}")
            if s.crash:
                print(f"      crash: {s.crash}")
    print(table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
