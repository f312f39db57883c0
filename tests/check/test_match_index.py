"""The heading index in match.py only skips pairs that score 0: matching with it gives
exactly what scoring every (section, heading) pair gives."""

from __future__ import annotations

import random
from collections.abc import Sequence

import pytest

from dossier.check import match
from dossier.model import Section
from dossier.packs import load_pack, pack_ids
from dossier.tree import Heading, Location

# Ways a real document departs from its outline: qualifiers added or dropped, a word
# swapped for a near one (经济 → 社会), traditional characters, numbering kept in the title.
EDITS = (
    lambda t: t,
    lambda t: "项目" + t,
    lambda t: t[1:] if len(t) > 3 else t,
    lambda t: t + "情况",
    lambda t: t.replace("经济", "社会").replace("建设", "实施"),
    lambda t: t.replace("项目", "專案").replace("报告", "報告"),
    lambda t: t[: len(t) // 2] + "及" + t[len(t) // 2 :],
    lambda t: "无关章节" + str(len(t)),
)


def _headings(sections: Sequence[Section], rng: random.Random, level: int = 1) -> tuple[Heading, ...]:
    out = []
    for s in sections:
        if rng.random() < 0.15:
            continue  # a dropped section
        title = rng.choice(EDITS)(s.title)
        kids = _headings(s.children, rng, level + 1)
        out.append(Heading(title=title, label="", level=level, location=Location(paragraph=len(out)), children=kids))
        if rng.random() < 0.1:  # an extra chapter the outline does not have
            out.append(Heading(title=f"附录{len(out)}", label="", level=level, location=Location()))
    if rng.random() < 0.2:  # chapters out of order
        rng.shuffle(out)
    return tuple(out)


def _signature(results: Sequence[match.SectionMatch], headings: Sequence[Heading]) -> list[tuple[object, ...]]:
    flat = {id(h): i for i, h in enumerate(match._flatten(headings))}
    return [(m.path, flat.get(id(m.heading)) if m.heading else None, m.score, m.how, m.ambiguous_with)
            for m in results]


def _brute(sections: Sequence[Section], headings: Sequence[Heading], monkeypatch: pytest.MonkeyPatch) -> list[match.SectionMatch]:
    with monkeypatch.context() as m:
        m.setattr(match._Index, "candidates", lambda self, section: list(range(len(self.keys))))
        return match.match_outline(sections, headings)


def test_index_matches_exactly_like_scoring_every_pair(monkeypatch: pytest.MonkeyPatch) -> None:
    compared = 0
    for doc in (d for pack_id in pack_ids() for d in load_pack(pack_id).documents):
        pack_id = doc.id
        for seed in range(3):
            headings = _headings(doc.sections, random.Random(f"{pack_id}/{doc.id}/{seed}"))
            fast = match.match_outline(doc.sections, headings)
            assert _signature(fast, headings) == _signature(_brute(doc.sections, headings, monkeypatch), headings)
            compared += sum(1 for r in fast if r.heading is not None)
    assert compared > 0  # the edits leave most sections matchable


def test_index_skips_pairs_without_losing_a_fuzzy_match() -> None:
    sections = (Section(id="a", title="项目需求分析", citations=()),
                Section(id="b", title="经济效益分析", citations=()))
    headings = tuple(Heading(title=t, label="", level=1, location=Location())
                     for t in ("需求分析", "社会效益分析", "经济效益分折", *(f"第{i}部分 运行情况" for i in range(50))))
    index = match._Index(match._flatten(headings))
    assert index.candidates(sections[0]) == [0]
    assert 2 in index.candidates(sections[1]) and len(index.candidates(sections[1])) < 5
    got = {m.section.id: (m.heading.title if m.heading else None, m.how) for m in match.match_outline(sections, headings)}
    assert got == {"a": ("需求分析", "contains"), "b": ("经济效益分折", "fuzzy")}
