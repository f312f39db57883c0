"""The real-file heading benchmark split into the set the parser was developed on and the
held-out set judged afterwards (manifest entries with `set: held-out`, judged before dossier
was run on them): the held-out rows are what hidden documents of those kinds can expect.

    python benchmarks/headings_held_out.py [--show]

Scoring is benchmarks/headings_real.py's (recall, precision, level accuracy with one
constant offset per file); `--show` lists each held-out file's misses, extras and level
errors. Without the cache (corpus/real/cache/, git-ignored) this prints why and exits 0.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MANIFEST = REPO / "corpus" / "real" / "manifest.yaml"
sys.path.insert(0, str(REPO / "benchmarks"))


def held_out_ids(manifest: str) -> set[str]:
    """Ids of the manifest entries marked `set: held-out` (the manifest is a flat list of
    `- id:` blocks, read without a YAML parser)."""
    ids: set[str] = set()
    for block in re.split(r"^\s*- id:", manifest, flags=re.MULTILINE)[1:]:
        ident = block.split(None, 1)[0]
        if re.search(r"^\s*set:\s*held-out\s*$", block, flags=re.MULTILINE):
            ids.add(ident)
    return ids


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--show", action="store_true", help="misses, extras and level errors of each held-out file")
    args = ap.parse_args(argv)
    import headings_real as hr  # the scorer, beside this script
    judged = {i: j for i, j in hr.load_judged().items() if hr.cached(i) is not None}
    if not judged:
        print("skipped: no cached files under corpus/real/cache (fetch them as corpus/real/manifest.yaml says)")
        return 0
    held = held_out_ids(MANIFEST.read_text(encoding="utf-8"))
    rows = []
    for name, subset in (
        ("developed-on", {i: j for i, j in judged.items() if i not in held}),
        ("held-out", {i: j for i, j in judged.items() if i in held}),
    ):
        per_kind, per_file, failed = hr.evaluate(hr.dossier_reader, subset)
        rows += [(name, kind, s) for kind, s in sorted(per_kind.items())]
        rows.append((name, "**all**", hr.total(per_kind)))
        for f in failed:
            print(f"failed on {f}")
        if args.show and name == "held-out":
            for ident, s in per_file.items():
                if s.misses or s.extras or s.level_ok != s.found:
                    print(f"{ident}: missed {s.misses} extra {s.extras} levels {s.level_ok}/{s.found}")
    print(hr.table(rows).replace("| reader |", "| set |", 1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
