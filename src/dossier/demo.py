"""`make demo`: the main job on the bundled sample — show the pack, validate the sample's
facts, generate a skeleton and a scaffold, check the sample dossier and write its reports."""

from __future__ import annotations

import sys
from pathlib import Path

from dossier.cli import main as cli_main

SAMPLE = Path("corpus/dossiers/yongchuan-final-acceptance-gaps")  # a zip with gaps worth reporting


def _run(*args: str) -> int:
    print(f"\n$ dossier {' '.join(args)}", flush=True)
    sys.argv = ["dossier", *args]
    try:
        cli_main()
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def main(out: str = "demo-out") -> int:
    root = Path(out)
    root.mkdir(parents=True, exist_ok=True)
    if not SAMPLE.is_dir():
        print(f"sample dossier {SAMPLE} not found: run `make demo` from the repository root", file=sys.stderr)
        return 2
    files = next((p for p in (SAMPLE / "dossier.zip", SAMPLE / "files") if p.exists()), SAMPLE)
    facts = SAMPLE / "facts.yaml"
    steps = [
        ("packs", "list"),
        ("facts", "validate", str(facts), "--jurisdiction", "yongchuan"),
        ("generate", "-j", "yongchuan", "--doc", "final-acceptance-application", "--facts", str(facts),
         "-o", str(root / "终验投用申请书（骨架）.docx"), "--force"),  # the demo's own folder: re-runnable
        ("scaffold", str(root / "scaffold"), "-j", "yongchuan", "-s", "final-acceptance", "--facts", str(facts)),
    ]
    for step in steps:
        if _run(*step) != 0:
            return 1
    code = _run("check", str(files), "-j", "yongchuan", "-s", "final-acceptance", "--facts", str(facts),
                "-f", "html,md,json,xlsx,docx", "-o", str(root / "report"))
    if code not in (0, 1):
        return code
    print(f"\nThe gap report is in {root / 'report'}/report.html (and .md, .json, .xlsx, .docx).")
    print(f"Summary:\n{(root / 'report' / 'report.md').read_text(encoding='utf-8').split(chr(10) + '## ')[1][:1200]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(*sys.argv[1:2]))
