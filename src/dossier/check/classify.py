"""Which material is this file? From its name (and folder) and its content (title, first page).

Names and titles are strong evidence, the first page weaker, the body never: a 监理合同
mentions 监理报告 in its text and is still not one. A decoy term in a file's name or
title rules a material out (监理合同 ≠ 监理报告, 信息资源目录 ≠ 信息资源共享报告,
运维合同 ≠ 运维计划). Files that match nothing are listed, never dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from dossier.check.normalise import key
from dossier.model import Document, Material, Pack, Stage
from dossier.tree import DocumentTree

NAME_EXACT = 100.0
NAME_TERM = 90.0
NAME_FUZZY = 75.0
PAGE_TERM = 65.0
THRESHOLD = 60.0

_LEAD = re.compile(r"^[\s\d０-９a-zA-Z._\-—、()（）\[\]【】附件表]*")


@dataclass(frozen=True)
class Evidence:
    name: str
    """file name stem plus its folder, e.g. '01_项目监理报告/监理报告(盖章)'."""
    title: str
    first_page: str


@dataclass(frozen=True)
class Classification:
    material: Material | None
    score: float
    how: str
    runner_up: Material | None = None


def evidence_for(display: str, tree: DocumentTree | None) -> Evidence:
    parts = display.replace("!/", "/").split("/")
    stem = parts[-1].rsplit(".", 1)[0] if "." in parts[-1] else parts[-1]
    folder = parts[-2] if len(parts) > 1 else ""
    name = f"{folder}/{stem}" if folder else stem
    title = tree.title if tree else ""
    first = ""
    if tree is not None:
        lines: list[str] = []
        for b in tree.preamble[:12]:
            lines.append(b.plain())
        for h in tree.headings[:3]:
            lines.append(h.title)
        first = "\n".join(lines)[:600]
    return Evidence(name, title, first)


def _terms(m: Material, doc: Document | None) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """(full names, keywords, decoys) as comparison keys, longest first."""
    names = (m.title, *m.aliases)
    decoys = m.decoys
    keywords = m.keywords
    if doc is not None:
        names += (doc.title, *doc.aliases)
        keywords += doc.keywords
        decoys += doc.decoys
    return _keys(names), _keys(keywords), _keys(decoys)


@lru_cache(maxsize=4096)
def _keys(xs: tuple[str, ...]) -> tuple[str, ...]:
    # Cached: scan's jurisdiction inference scores every file against every pack's materials.
    return tuple(sorted({k for k in (key(x) for x in xs) if len(k) >= 2}, key=len, reverse=True))


def _name_key(name: str) -> str:
    # Drop ordering prefixes such as "01_", "附件3-", "（二）".
    return key(_LEAD.sub("", name))


def score_material(m: Material, doc: Document | None, ev: Evidence) -> tuple[float, str]:
    return _score(*_terms(m, doc), _evidence_keys(ev))


@lru_cache(maxsize=256)
def _evidence_keys(ev: Evidence) -> tuple[str, str, str, str]:
    """(stem, folder, title, first page) as comparison keys."""
    parts = [_name_key(p) for p in ev.name.split("/")]
    return parts[-1], parts[0] if len(parts) > 1 else "", key(ev.title), key(ev.first_page)


@lru_cache(maxsize=16384)
def _score(names: tuple[str, ...], keywords: tuple[str, ...], decoys: tuple[str, ...],
           ev: tuple[str, str, str, str]) -> tuple[float, str]:
    # Cached: a scan scores each file against every stage of every pack (materials repeat
    # across stages), then the engine classifies the same files again.
    stem, folder, title, page = ev

    def has_decoy(text: str) -> bool:
        # A decoy counts unless one of the material's own names is also there (监理报告 in
        # "监理合同及监理报告" still makes it a 监理报告).
        return any(_loosely_in(d, text) for d in decoys) and not any(n in text for n in names)

    best = (0.0, "")
    for where, text, weight in (("name", stem, 1.0), ("folder", folder, 0.97), ("title", title, 0.95)):
        if not text or has_decoy(text):
            continue
        for n in names:
            if text == n:
                best = max(best, (NAME_EXACT * weight + len(n) / 100, f"{where}-exact"))
            elif n in text:
                best = max(best, (NAME_TERM * weight + len(n) / 100, f"{where}-contains"))
        for k in keywords:
            if k in text:
                best = max(best, ((NAME_TERM - 3) * weight + len(k) / 100, f"{where}-keyword"))
        if best[0] < NAME_FUZZY and len(text) >= 4:
            from rapidfuzz import fuzz  # here: a dossier with no file to classify never loads it

            for n in names:
                r = fuzz.ratio(n, text)
                if r >= 85:
                    best = max(best, (NAME_FUZZY * weight * r / 100, f"{where}-fuzzy"))
    if best[0] >= THRESHOLD:
        return best
    if has_decoy(stem) or has_decoy(title):
        return best  # a 监理合同 never becomes a 监理报告 through its first page
    # Anonymous scans (扫描件003.pdf): fall back on the first page, with lower weight.
    if page and not has_decoy(page[:80]):
        head = page[:200]
        for n in names:
            if n in head:
                best = max(best, (PAGE_TERM + len(n) / 100, "first-page"))
        for k in keywords:
            if k in head:
                best = max(best, (PAGE_TERM - 3 + len(k) / 100, "first-page-keyword"))
    return best


def _loosely_in(term: str, text: str, slack: int = 3) -> bool:
    """term's characters in order within a window slightly longer than term (监理合同 in 监理服务合同)."""
    if term in text:
        return True
    first = term[0]
    start = text.find(first)
    while start != -1:
        i, j = 0, start
        limit = start + len(term) + slack
        while j < min(len(text), limit) and i < len(term):
            if text[j] == term[i]:
                i += 1
            j += 1
        if i == len(term):
            return True
        start = text.find(first, start + 1)
    return False


def _is_material_list(ev: Evidence) -> bool:
    """A 材料清单 (the scaffold's, or a unit's own) names every material and is none of them."""
    return any(t.endswith("材料清单") for t in (_name_key(ev.name.split("/")[-1]), key(ev.title)))


def classify(pack: Pack, stage: Stage, ev: Evidence) -> Classification:
    scored: list[tuple[float, str, Material]] = []
    if _is_material_list(ev) and not any("材料清单" in m.title for m in stage.materials):
        return Classification(None, 0.0, "material-list")
    for m in stage.materials:
        doc = pack.document(m.document) if m.document else None
        sc, how = score_material(m, doc, ev)
        if sc >= THRESHOLD:
            scored.append((sc, how, m))
    page_only = [t for t in scored if t[1].startswith("first-page")]
    if len(page_only) >= 3:
        # A first page naming many materials is a list of them (a 材料清单, a 目录), not one of them.
        scored = [t for t in scored if not t[1].startswith("first-page")]
    if not scored:
        return Classification(None, 0.0, "")
    scored.sort(key=lambda t: t[0], reverse=True)
    scored = _head_noun_first(pack, scored, ev)
    top = scored[0]
    # A merged document (武汉 第十条: 实施方案 = 可研 + 初步设计) names what it merges; when it
    # matches both, it is the merged one, which stands in for the others.
    merged = [t for t in scored[1:] if top[2].id in t[2].satisfies and score_material(t[2], None, ev)[0] >= THRESHOLD]
    if merged:
        top = merged[0]
        scored = [top, *(t for t in scored if t is not top)]
    runner = scored[1][2] if len(scored) > 1 else None
    return Classification(top[2], top[0], top[1], runner)


# The last words of a title say what a document is: “关于项目实施方案的批复” is a 批复 about
# a 实施方案, not the 实施方案.
HEAD_NOUNS = ("批复", "复函", "批复文件", "批复意见")


def _head_noun_first(pack: Pack, scored: list[tuple[float, str, Material]],
                     ev: Evidence) -> list[tuple[float, str, Material]]:
    texts = [key(ev.title), _name_key(ev.name.split("/")[-1])]
    head = next((n for n in HEAD_NOUNS for t in texts if t.endswith(n)), "")
    if not head:
        return scored

    def names_it(m: Material) -> bool:
        doc = pack.document(m.document) if m.document else None
        names, keywords, _ = _terms(m, doc)
        return any(head[:2] in n for n in (*names, *keywords))

    first = [t for t in scored if names_it(t[2])]
    return first + [t for t in scored if not names_it(t[2])] if first else scored


def other_stage_document(pack: Pack, stage: Stage, ev: Evidence) -> Document | None:
    """A pack document of another stage that this file's name or title names exactly."""
    own = {m.document for m in stage.materials if m.document}
    targets = [key(ev.title), _name_key(ev.name.split("/")[-1])]
    for d in pack.documents:
        if d.id in own:
            continue
        names = {key(x) for x in (d.title, *d.aliases)}
        if any(t and (t in names or any(len(n) >= 5 and n in t for n in names)) for t in targets):
            return d
    return None

