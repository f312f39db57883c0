"""Outline ↔ headings. Exact → aliases → containment → keyword-gated fuzzy (rapidfuzz)
with a margin over the runner-up; one-to-one and order-aware (children are matched
inside their matched parent first). 经济效益分析 must never match 社会效益分析: a fuzzy
match is refused when it substitutes two or more characters in a row."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from dossier.check.normalise import key, loose
from dossier.model import Section
from dossier.tree import Heading

EXACT = 100.0
ALIAS = 98.0
CONTAINS = 90.0
FUZZY_MIN = 80.0
MARGIN = 5.0
# Prefilter cut-offs for the candidate index (fuzz.ratio of the keys, resp. the loose keys).
# A containment match has len(short) / len(long) ≥ 0.5, so the ratio of its keys is
# 2·short / (short + long) ≥ 66.7; a fuzzy match needs the loose keys' ratio ≥ FUZZY_MIN.
# Both cut-offs sit a little below, so the index only ever keeps more pairs than needed.
_CONTAINS_CUT = 66.0
_FUZZY_CUT = FUZZY_MIN - 1.0


@dataclass(frozen=True)
class Candidate:
    heading: Heading
    score: float
    how: str  # exact | alias | contains | fuzzy


@dataclass(frozen=True)
class SectionMatch:
    section: Section
    path: tuple[str, ...]
    heading: Heading | None
    score: float = 0.0
    how: str = ""
    ambiguous_with: str = ""
    """Title of the other outline section the heading fits almost as well (→ manual-review)."""


def _names(section: Section) -> list[str]:
    return [section.title, *section.aliases]


def _substitutes_words(a: str, b: str) -> bool:
    """True when turning a into b replaces ≥2 consecutive characters (a different qualifier)."""
    run = 0
    last_end = -1
    for op in Levenshtein.editops(a, b):
        if op.tag == "replace":
            run = run + 1 if op.src_pos == last_end else 1
            last_end = op.src_pos + 1
            if run >= 2:
                return True
        else:
            run = 0
            last_end = -1
    return False


def score(section: Section, heading_title: str) -> tuple[float, str]:
    hk = key(heading_title)
    if not hk:
        return 0.0, ""
    names = _names(section)
    if hk == key(section.title):
        return EXACT, "exact"
    for alias in section.aliases:
        if hk == key(alias):
            return ALIAS, "alias"
    if section.keywords and not any(key(k) in hk for k in section.keywords):
        return 0.0, ""
    best = (0.0, "")
    for name in names:
        nk = key(name)
        if not nk:
            continue
        short, long_ = (nk, hk) if len(nk) <= len(hk) else (hk, nk)
        # A renamed heading often adds or drops a qualifier: 项目需求分析 / 需求分析.
        if len(short) >= 4 and short in long_ and len(short) / len(long_) >= 0.5:
            best = max(best, (CONTAINS + 5 * len(short) / len(long_), "contains"))
            continue
        ln, lh = loose(name), loose(heading_title)
        if _substitutes_words(ln, lh):
            continue
        r = float(fuzz.ratio(ln, lh))
        if r >= FUZZY_MIN:
            best = max(best, (r * 0.89, "fuzzy"))  # below any containment or exact match
    return best


def _flatten(headings: Iterable[Heading]) -> list[Heading]:
    out: list[Heading] = []
    for h in headings:
        out.extend(h.walk())
    return out


class _Index:
    """Which headings a section can score above 0 against, without scoring every pair.

    Exact and alias hits come from a dict of heading keys; containment and fuzzy candidates
    from rapidfuzz's C loop over all keys with a cut-off below the one `score` applies (see
    _CONTAINS_CUT). The candidates are a superset of the pairs `score` accepts, and `score`
    still decides each of them, so the matches are exactly those of scoring every pair: the
    index only removes the pairs that are certain to score 0 (the quadratic part).
    """

    def __init__(self, headings: Sequence[Heading]) -> None:
        self.keys = [key(h.title) for h in headings]
        self.looses = [loose(h.title) for h in headings]
        self.by_key: dict[str, list[int]] = {}
        for i, k in enumerate(self.keys):
            self.by_key.setdefault(k, []).append(i)
        self._memo: dict[int, list[int]] = {}

    def candidates(self, section: Section) -> list[int]:
        """Positions (in document order) of the headings that may match the section."""
        found = self._memo.get(id(section))
        if found is None:
            hits: set[int] = set()
            for name in _names(section):
                nk = key(name)
                hits.update(self.by_key.get(nk, ()))
                if nk:
                    hits.update(i for _, _, i in process.extract_iter(
                        nk, self.keys, scorer=fuzz.ratio, score_cutoff=_CONTAINS_CUT))
                hits.update(i for _, _, i in process.extract_iter(
                    loose(name), self.looses, scorer=fuzz.ratio, score_cutoff=_FUZZY_CUT))
            found = self._memo[id(section)] = sorted(hits)
        return found


class Matcher:
    """Match one outline (sections) against one document's heading tree."""

    def __init__(self, sections: Sequence[Section], headings: Sequence[Heading], *, ordered: bool = True) -> None:
        self.sections = sections
        self.all_headings = _flatten(headings)
        self.order = {id(h): i for i, h in enumerate(self.all_headings)}
        self.index = _Index(self.all_headings)
        self.used: set[int] = set()
        self.ordered = ordered
        self.results: list[SectionMatch] = []

    def run(self) -> list[SectionMatch]:
        self._match_level(self.sections, (), self.all_headings, self.all_headings)
        order = {id(s): i for i, (_, s) in enumerate(_walk_all(self.sections))}
        return sorted(self.results, key=lambda m: order[id(m.section)])

    def _match_level(
        self, sections: Sequence[Section], path: tuple[str, ...], scope: list[Heading], fallback: list[Heading]
    ) -> None:
        """Match sibling sections one-to-one inside scope (then fallback), then recurse.

        A matched section owns its region: the headings under it, and (flat documents)
        those after it up to the next matched sibling. Children look in their parent's
        region first and otherwise only among headings no sibling owns, so 项目名称 of
        chapter 1 never takes 建设项目名称 from chapter 2.
        """
        matched = self._assign(sections, scope)
        missing = [s for s in sections if id(s) not in matched]
        if missing and fallback is not scope:
            matched.update(self._assign(missing, [h for h in fallback if id(h) not in self.used]))
        inside = {id(x) for x in scope}
        regions = {sid: self._region(cand.heading, inside, matched) for sid, (cand, _) in matched.items()}
        owned = {id(h) for region in regions.values() for h in region}
        orphans = [h for h in scope if id(h) not in owned and id(h) not in self.used]
        for s in sections:
            here = (*path, s.title)
            cand, ambiguous = matched.get(id(s), (None, ""))
            self.results.append(
                SectionMatch(s, here, cand.heading if cand else None, cand.score if cand else 0.0,
                             cand.how if cand else "", ambiguous)
            )
            if s.children:
                own = regions[id(s)] if cand is not None else orphans
                self._match_level(s.children, here, own, orphans)

    def _region(self, h: Heading, inside: set[int], matched: dict[int, tuple[Candidate, str]]) -> list[Heading]:
        start = self.order[id(h)]
        later = [self.order[id(c.heading)] for c, _ in matched.values() if self.order[id(c.heading)] > start]
        end = min(later) if later else len(self.all_headings)
        return [x for x in self.all_headings[start + 1 : end] if id(x) in inside]

    def _assign(self, sections: Sequence[Section], scope: list[Heading]) -> dict[int, tuple[Candidate, str]]:
        pairs: list[tuple[float, int, int, Section, Candidate]] = []
        per_heading: dict[int, list[tuple[float, Section]]] = {}
        in_scope = {self.order[id(h)] for h in scope}
        for si, s in enumerate(sections):
            for pos in self.index.candidates(s):
                h = self.all_headings[pos]
                if pos not in in_scope or id(h) in self.used:
                    continue
                sc, how = score(s, h.title)
                if sc <= 0:
                    continue
                pairs.append((sc, -si, -self.order[id(h)], s, Candidate(h, sc, how)))
                per_heading.setdefault(id(h), []).append((sc, s))
        # Best pairs first; ties go to the earlier section and the earlier heading (order-aware).
        pairs.sort(key=lambda p: (p[0], p[1], p[2]), reverse=True)
        out: dict[int, tuple[Candidate, str]] = {}
        for sc, _, _, s, cand in pairs:
            if id(s) in out or id(cand.heading) in self.used:
                continue
            ambiguous = ""
            if cand.how == "fuzzy":
                rivals = sorted(
                    (r for r in per_heading[id(cand.heading)] if r[1] is not s), key=lambda r: r[0], reverse=True
                )
                if rivals and sc - rivals[0][0] < MARGIN:
                    ambiguous = rivals[0][1].title
            out[id(s)] = (cand, ambiguous)
            self.used.add(id(cand.heading))
        return out


def _walk_all(sections: Sequence[Section]) -> Iterable[tuple[tuple[str, ...], Section]]:
    for s in sections:
        yield from s.walk()


def match_outline(sections: Sequence[Section], headings: Sequence[Heading]) -> list[SectionMatch]:
    """One SectionMatch per outline section, in outline order."""
    return Matcher(sections, headings).run()


def out_of_order(matches: Sequence[SectionMatch], order: dict[int, int]) -> list[SectionMatch]:
    """Sibling matches whose headings appear in a different order than the outline's."""
    late: list[SectionMatch] = []
    by_parent: dict[tuple[str, ...], list[SectionMatch]] = {}
    for m in matches:
        by_parent.setdefault(m.path[:-1], []).append(m)
    for group in by_parent.values():
        seen = -1
        for m in group:
            if m.heading is None:
                continue
            pos = order[id(m.heading)]
            if pos < seen:
                late.append(m)
            seen = max(seen, pos)
    return late
