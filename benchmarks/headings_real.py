"""Heading precision on documents nobody here wrote: recall, precision and level accuracy of
dossier's parser against hand judgements of real third-party files.

    python benchmarks/headings_real.py [--by kind|source] [--robust] [--docling] [--unstructured] [--show ID]

The files are not in the repository (workplace rule: third-party files are never committed);
`corpus/real/manifest.yaml` names each one (repository, commit, path, licence, sha256) and
`corpus/real/cache/<id>.<format>` holds the bytes on a machine that fetched them. Without the
cache this prints why and exits 0. The judgements (`corpus/real/judged/<id>.json`, the true
headings as text and level) follow `corpus/real/RULES.md`.

Scoring, per file then summed per kind:
- a judged heading is found when a reported heading has the same text once both are
  normalised (NFKC, spaces and trailing punctuation dropped) — compared with and without the
  numbering label, since Word's auto-numbering is not in the paragraph text — taken in
  document order, each reported heading used once;
- recall = found / judged, precision = found / reported;
- level accuracy: of the found headings, the share whose reported level minus the judged level
  equals the file's most common difference (one constant offset allowed per file: a parser
  that counts the document's name as level 1 is not wrong about the rest).

`--by source` gives one row per source repository instead of per document kind (rows are per
format in both: "pdf report", then a **pdf**, a **docx** and an **all formats** total).
`--robust` also parses every cached .docx and .pdf (judged or not) with a 60 s limit each and
lists crashes and timeouts. `--docling` / `--unstructured` add those libraries' DOCX readers
side by side when they import (they live in a separate, git-ignored venv: see README).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
REAL = REPO / "corpus" / "real"
CACHE = REAL / "cache"
JUDGED = REAL / "judged"
sys.path.insert(0, str(REPO / "src"))

Found = list[tuple[str, str, int]]
"""What a reader reports: (label, title, level) per heading, in document order."""

_LABEL = re.compile(
    r"^\s*(?:第[一二三四五六七八九十百零〇\d]+[章节部分篇条]|[一二三四五六七八九十]+[、.．]|"
    r"[（(][一二三四五六七八九十\d]+[)）]|\d+(?:\s*[.．]\s*\d+)*\s*[.．、]?|[A-Za-z][.、]|[①-⑳])\s*"
)
_DROP = re.compile(r"[\s\u3000:：;；。.,，、]+")


def norm(text: str) -> str:
    """Comparison key: NFKC, no spaces, no punctuation that authors add or drop at will."""
    return _DROP.sub("", unicodedata.normalize("NFKC", text)).lower()


def keys(text: str) -> set[str]:
    """The text's key with and without a leading numbering label."""
    full = norm(text)
    bare = norm(_LABEL.sub("", unicodedata.normalize("NFKC", text), count=1))
    return {k for k in (full, bare) if k}


@dataclass
class Score:
    judged: int = 0
    reported: int = 0
    found: int = 0
    level_ok: int = 0
    files: int = 0
    misses: list[str] = field(default_factory=list)
    extras: list[str] = field(default_factory=list)

    def add(self, other: Score) -> None:
        self.judged += other.judged
        self.reported += other.reported
        self.found += other.found
        self.level_ok += other.level_ok
        self.files += other.files

    @property
    def recall(self) -> float:
        return self.found / self.judged if self.judged else 1.0

    @property
    def precision(self) -> float:
        return self.found / self.reported if self.reported else (1.0 if not self.judged else 0.0)

    @property
    def level(self) -> float:
        return self.level_ok / self.found if self.found else 1.0


def score_file(truth: list[tuple[str, int]], found: Found) -> Score:
    """Match judged (text, level) against reported (label, title, level), in order."""
    s = Score(judged=len(truth), reported=len(found), files=1)
    pred = [(keys(f"{label}{title}") | keys(title), level, f"{label} {title}") for label, title, level in found]
    used = [False] * len(pred)
    pairs: list[tuple[int, int]] = []
    start = 0
    for text, level in truth:
        want = keys(text)
        hit = _first(pred, used, want, start)
        if hit is None:
            hit = _first(pred, used, want, 0)  # out of order: still the same heading
        if hit is None:
            s.misses.append(text)
            continue
        used[hit] = True
        start = hit + 1
        pairs.append((pred[hit][1], level))
    s.found = len(pairs)
    s.extras = [pred[i][2] for i in range(len(pred)) if not used[i]]
    if pairs:
        offset = Counter(p - t for p, t in pairs).most_common(1)[0][0]
        s.level_ok = sum(1 for p, t in pairs if p - t == offset)
    return s


def _first(pred: list[tuple[set[str], int, str]], used: list[bool], want: set[str], start: int) -> int | None:
    for i in range(start, len(pred)):
        if not used[i] and pred[i][0] & want:
            return i
    return None


def load_judged() -> dict[str, dict[str, object]]:
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(JUDGED.glob("*.json"))}


def cached(ident: str) -> Path | None:
    for ext in ("docx", "pdf"):
        p = CACHE / f"{ident}.{ext}"
        if p.exists():
            return p
    return None


def dossier_reader(path: Path) -> Found:
    from dossier.parse import parse_file

    tree = parse_file(path, ocr=False)
    return [(h.label, h.title, h.level) for h in tree.walk()]


def docling_reader(path: Path) -> Found:  # pragma: no cover - optional, separate venv
    """docling's DOCX backend alone (its DocumentConverter imports torch for other formats)."""
    from docling.backend.msword_backend import MsWordDocumentBackend
    from docling.datamodel.base_models import InputFormat
    from docling.datamodel.document import InputDocument

    ind = InputDocument(path_or_stream=path, format=InputFormat.DOCX, backend=MsWordDocumentBackend)
    doc = ind._backend.convert()
    out: Found = []
    for item, _depth in doc.iterate_items():
        if str(getattr(item, "label", "")).endswith("section_header"):
            out.append(("", item.text, int(getattr(item, "level", 1))))
    return out


def unstructured_reader(path: Path) -> Found:  # pragma: no cover - optional, separate venv
    from unstructured.partition.docx import partition_docx

    out: Found = []
    for el in partition_docx(filename=str(path)):
        if el.category == "Title":
            depth = getattr(el.metadata, "category_depth", None)
            out.append(("", str(el), (depth or 0) + 1))
    return out


def sources() -> dict[str, str]:
    """File id → the repository it came from (corpus/real/manifest.yaml)."""
    import yaml

    data = yaml.safe_load((REAL / "manifest.yaml").read_text(encoding="utf-8"))
    return {str(f["id"]): str(f["repo"]) for f in data.get("files", [])}


def evaluate(
    reader: Callable[[Path], Found],
    judged: dict[str, dict[str, object]],
    formats: tuple[str, ...] = (),
    by: dict[str, str] | None = None,
) -> tuple[dict[str, Score], dict[str, Score], list[str]]:
    """Per-"format group" totals ("pdf report"; the group is the judged kind, or `by[id]`,
    e.g. the source repository), per-file scores, and the files the reader failed on;
    `formats` limits the files read (a DOCX-only reader is not run on PDFs)."""
    per_kind: dict[str, Score] = {}
    per_file: dict[str, Score] = {}
    failed: list[str] = []
    for ident, j in judged.items():
        path = cached(ident)
        if path is None or (formats and path.suffix[1:] not in formats):
            continue
        truth = [(str(h["text"]), int(h["level"])) for h in j["headings"]]  # type: ignore[attr-defined]
        try:
            found = reader(path)
        except Exception as e:  # a reader's crash is a result here, not a stop
            failed.append(f"{ident}: {type(e).__name__}: {e}")
            found = []
        s = score_file(truth, found)
        per_file[ident] = s
        group = by.get(ident, "other") if by is not None else str(j.get("kind", "other"))
        per_kind.setdefault(f"{path.suffix[1:]} {group}", Score()).add(s)
    return per_kind, per_file, failed


def table(rows: Iterable[tuple[str, str, Score]]) -> str:
    out = ["| reader | group | files | judged | reported | recall | precision | level acc. |", "|---|---|---:|---:|---:|---:|---:|---:|"]
    for reader, kind, s in rows:
        out.append(
            f"| {reader} | {kind} | {s.files} | {s.judged} | {s.reported} | "
            f"{s.recall:.3f} | {s.precision:.3f} | {s.level:.3f} |"
        )
    return "\n".join(out)


def total(per_kind: dict[str, Score], fmt: str = "") -> Score:
    """The sum over kinds, of one format ("pdf") or of all."""
    t = Score()
    for name, s in per_kind.items():
        if not fmt or name.split(" ", 1)[0] == fmt:
            t.add(s)
    return t


def robust(limit: float = 60.0) -> tuple[list[str], list[tuple[float, str]]]:
    """Parse every cached file in a worker process with a time limit: crashes and timeouts,
    and the slowest files (seconds, name). One worker serves file after file; a timeout
    replaces it."""
    import multiprocessing as mp

    problems: list[str] = []
    times: list[tuple[float, str]] = []
    ctx = mp.get_context("spawn")
    pool = ctx.Pool(1, maxtasksperchild=50)
    try:
        for path in sorted(CACHE.glob("*")):
            if path.suffix not in (".docx", ".pdf"):
                continue
            res = pool.apply_async(_parse_outcome, (str(path),))
            try:
                outcome, took = res.get(limit)
                times.append((took, path.name))
            except mp.TimeoutError:
                outcome = "timeout"
                pool.terminate()
                pool = ctx.Pool(1, maxtasksperchild=50)
            if outcome not in ("ok", "refused"):
                problems.append(f"{path.name}: {outcome}")
    finally:
        pool.terminate()
    return problems, sorted(times, reverse=True)[:3]


def _parse_outcome(path: str) -> tuple[str, float]:
    import time

    from dossier.errors import InputError
    from dossier.parse import parse_file

    start = time.perf_counter()
    try:
        parse_file(Path(path), ocr=False)
    except InputError:
        return "refused", time.perf_counter() - start
    except Exception as e:
        return f"crash {type(e).__name__}: {e}", time.perf_counter() - start
    return "ok", time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--robust", action="store_true", help="parse every cached file: crashes and timeouts")
    ap.add_argument("--docling", action="store_true")
    ap.add_argument("--unstructured", action="store_true")
    ap.add_argument("--show", metavar="ID", help="misses and extras of one judged file")
    ap.add_argument("--by", choices=("kind", "source"), default="kind", help="rows per document kind or per source repository")
    args = ap.parse_args(argv)
    judged = load_judged()
    have = [i for i in judged if cached(i) is not None]
    if not have:
        print(f"skipped: no cached files under {CACHE.relative_to(REPO)} (fetch them as corpus/real/manifest.yaml says)")
        return 0
    # (name, reader, formats it reads: () for all)
    readers: list[tuple[str, Callable[[Path], Found], tuple[str, ...]]] = [("dossier", dossier_reader, ())]
    if args.docling:
        readers.append(("docling", docling_reader, ("docx",)))
    if args.unstructured:
        readers.append(("unstructured", unstructured_reader, ("docx",)))
    rows: list[tuple[str, str, Score]] = []
    for name, reader, formats in readers:
        per_kind, per_file, failed = evaluate(reader, judged, formats, sources() if args.by == "source" else None)
        for kind in sorted(per_kind):
            rows.append((name, kind, per_kind[kind]))
        for fmt in sorted({k.split(" ", 1)[0] for k in per_kind}):
            rows.append((name, f"**{fmt}**", total(per_kind, fmt)))
        rows.append((name, "**all formats**", total(per_kind)))
        for f in failed:
            print(f"{name} failed on {f}")
        if args.show and name == "dossier" and args.show in per_file:
            s = per_file[args.show]
            print("missed:", s.misses)
            print("extra:", s.extras)
    print(f"{len(have)} judged files in the cache")
    print(table(rows))
    if args.robust:
        problems, slowest = robust()
        print(f"robustness: {len(problems)} crashes/timeouts; slowest: " + ", ".join(f"{n} {t:.1f} s" for t, n in slowest))
        for p in problems:
            print("  ", p)
    return 0


if __name__ == "__main__":
    sys.exit(main())
