"""Outline ↔ headings. Exact → aliases → containment → keyword-gated fuzzy (rapidfuzz)
with a margin over the runner-up; one-to-one and order-aware (children are matched
inside their matched parent first). 经济效益分析 must never match 社会效益分析: a fuzzy
match is refused when it substitutes two or more characters in a row."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from dossier.check.normalise import key, loose
from dossier.model import Section
from dossier.tree import Block, DocumentTree, Heading, Location

# rapidfuzz (~0.02 s to import) is imported in the functions that use it: a check with no
# outlined document to match (an empty folder) never loads it.

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
    from rapidfuzz.distance import Levenshtein

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
        from rapidfuzz import fuzz

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
            from rapidfuzz import fuzz, process

            # extract(limit=None) returns what extract_iter yields (every choice at or above the
            # cut-off) as one list: half the cost of resuming a generator per hit.
            hits: set[int] = set()
            for name in _names(section):
                nk = key(name)
                hits.update(self.by_key.get(nk, ()))
                if nk:
                    hits.update(i for _, _, i in process.extract(
                        nk, self.keys, scorer=fuzz.ratio, score_cutoff=_CONTAINS_CUT, limit=None))
                hits.update(i for _, _, i in process.extract(
                    loose(name), self.looses, scorer=fuzz.ratio, score_cutoff=_FUZZY_CUT, limit=None))
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


def _paragraphs(tree: DocumentTree) -> list[tuple[str, Location]]:
    """Every paragraph and heading of a document, in reading order, with its location."""
    out: list[tuple[str, Location]] = [(b.plain(), b.location) for b in tree.preamble if not b.placeholder]
    for h in tree.walk():
        out.append((f"{h.label}{h.title}", h.location))
        out += [(b.plain(), b.location) for b in h.blocks if not b.placeholder]
    return [(t, loc) for t, loc in out if t.strip()]


def match_text(sections: Sequence[Section], tree: DocumentTree, *, keywords: bool = True) -> list[SectionMatch]:
    """A 公文 (a 批复, an 意见) states its points in ordinary paragraphs (“二、关于信息资源共享…”),
    not headings: a section is there when a paragraph names it (its title, an alias or a keyword)."""
    paras = _paragraphs(tree)
    out: list[SectionMatch] = []
    for path, s in _walk_all(sections):
        words = (s.title, *s.aliases, *(s.keywords if keywords else ()))
        names = [k for k in (key(x) for x in words) if len(k) >= 2]
        hit = next(((t, loc) for t, loc in paras if any(n in key(t) for n in names)), None)
        if hit is None:
            out.append(SectionMatch(s, path, None))
            continue
        text, loc = hit
        heading = Heading(title=s.title, label="", level=s.level, location=loc,
                          blocks=(Block(kind="text", text=text, location=loc),), signals=("paragraph",))
        out.append(SectionMatch(s, path, heading, 100.0, "paragraph"))
    return out


# -- forms and tables ------------------------------------------------------------------------

# The patterns of forms are compiled by `re` when a form is first read (and kept in its cache):
# their CJK sets cost ~4 M instructions to compile, and a dossier's outlined documents are
# often all reports.
# A label is the run of non-space text before a colon: "主要领导签字：张三  2025年1月10日",
# "填表人：李明      联系电话：138…" (several fields on one line).
_LABEL = r"([^\s：:，。；;、]{2,24})\s*[：:]"
DATE = r"\d{4}\s*年\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?|\d{4}[-/.]\d{1,2}[-/.]\d{1,2}"
_DATE_NAMES = ("日期", "年月日")
_UNIT_ONLY = r"^[\s万亿元%％（）()_—\-/／年月日]*$"


@dataclass(frozen=True)
class _Field:
    label: str  # comparison key
    value: str
    location: Location


def _pairs(line: str, loc: Location) -> list[_Field]:
    """Every `label：value` on one line; a value runs to the next label."""
    found = list(re.finditer(_LABEL, line))
    out = []
    for i, m in enumerate(found):
        end = found[i + 1].start() if i + 1 < len(found) else len(line)
        out.append(_Field(key(m.group(1)), line[m.end():end].strip(), loc))
    if not found:
        # "县级财政 168万元", "其他 万元": a short label, then its value after a space.
        head, _, rest = line.strip().partition(" ")
        if rest.strip() and 2 <= len(key(head)) <= 8:
            out.append(_Field(key(head), "" if re.match(_UNIT_ONLY, rest) else rest.strip(), loc))
    return out


def _dates(text: str, loc: Location) -> list[_Field]:
    return [_Field("日期", m.group(0), loc) for m in re.finditer(DATE, text)]


def _is_label(k: str, labels: frozenset[str]) -> bool:
    return k in labels or any(len(lb) >= 2 and k.startswith(lb) for lb in labels)


def _value_right(rest: Sequence[str], k: str, labels: frozenset[str]) -> str:
    """The next filled cell that is not another field's label (after a blank value comes the
    next label: 第五年 | (blank) | 单位自筹 万元); merged cells repeating the label are skipped."""
    for x in rest:
        kx = key(x)
        if kx == k or not x.strip() or re.match(_UNIT_ONLY, x):
            continue
        return "" if _is_label(kx, labels) else x
    return ""


def _merged_repeat(rows: Sequence[Sequence[str]], r: int, c: int) -> bool:
    """A merged cell repeats its text in every grid cell it spans: read it once."""
    cell = rows[r][c]
    if c > 0 and cell == rows[r][c - 1]:
        return True
    return "\n" in cell and r > 0 and c < len(rows[r - 1]) and cell == rows[r - 1][c]


def _cell_fields(rows: Sequence[Sequence[str]], loc: Location, labels: frozenset[str]) -> Iterator[_Field]:
    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            if _merged_repeat(rows, r, c):
                continue
            if "\t" in cell:
                # The parser flattens a nested table (a change list inside a form) into
                # lines of tab-separated cells: read it as a table of its own.
                yield from _cell_fields([line.split("\t") for line in cell.split("\n")], loc, labels)
            k = key(cell)
            if not k:
                continue
            below = rows[r + 1][c] if r + 1 < len(rows) and c < len(rows[r + 1]) else ""
            yield _Field(k, _value_right(row[c + 1:], k, labels) or below, loc)
            for line in cell.split("\n"):
                yield from _pairs(line, loc)
            yield from _dates(cell, loc)


def _line_fields(text: str, loc: Location) -> Iterator[_Field]:
    for line in text.split("\n"):
        yield from _pairs(line, loc)
        yield from _dates(line, loc)


def _block_fields(blocks: Iterable[Block], labels: frozenset[str]) -> Iterator[_Field]:
    for b in blocks:
        if b.kind == "table":
            yield from _cell_fields(b.rows, b.location, labels)
        elif not b.placeholder:
            yield from _line_fields(b.text, b.location)


def form_fields(tree: DocumentTree, labels: frozenset[str] = frozenset()) -> list[_Field]:
    """Every (label, value) a form shows: table cells (value to the right, else below), cells and
    lines written as `label：value`, headings, and the dates written anywhere (a signature's date)."""
    out = list(_block_fields(tree.preamble, labels))
    for h in tree.walk():
        out.append(_Field(key(h.title), h.text(), h.location))
        out += _line_fields(h.title, h.location)
        out += _block_fields(h.blocks, labels)
    return out


def _names_match(names: Sequence[str], label: str) -> bool:
    return label in names or any(len(n) >= 4 and n in label and len(n) / max(len(label), 1) >= 0.6 for n in names)


def _children_in_parent(walked: Sequence[tuple[tuple[str, ...], Section]], hits: dict[int, tuple[int, _Field]]) -> None:
    """A form laid out one field a row (the generated skeleton) has no cells for sub-fields: when
    none of a filled field's sub-fields has a label of its own, they are written inside it
    (资金安排计划: “2025年 80万元”). Where some have labels (the official layout), each is judged."""
    for n, (path, s) in enumerate(walked):
        if not s.children or n not in hits or not hits[n][1].value.strip():
            continue
        kids = [m for m, (p, _) in enumerate(walked) if len(p) > len(path) and p[: len(path)] == path]
        # An unlabelled date found elsewhere is not a sub-field's own cell.
        if not any(k in hits and hits[k][1].label != "日期" for k in kids):
            for k in kids:
                hits[k] = hits[n]


def match_form(sections: Sequence[Section], tree: DocumentTree, *, table: bool = False) -> list[SectionMatch]:
    """Form fields / table rows found as labels in the document; one field per label occurrence."""
    labels = frozenset(k for _, s in _walk_all(sections) for k in (key(x) for x in (s.title, *s.aliases)) if k)
    fields = form_fields(tree, labels)
    used: set[int] = set()
    hits: dict[int, tuple[int, _Field]] = {}
    walked = list(_walk_all(sections))
    for n, (_, s) in enumerate(walked):
        names = [key(x) for x in (s.title, *s.aliases)]
        i = next((i for i, f in enumerate(fields) if i not in used and f.label != "日期" and _names_match(names, f.label)),
                 None)
        if i is None and any(nm.endswith(_DATE_NAMES) for nm in names):
            # An unlabelled date beside a signature ("主要领导签字：张三 2025年1月10日") fills 日期.
            i = next((i for i, f in enumerate(fields) if i not in used and f.label == "日期"), None)
        if i is not None:
            used.add(i)
            hits[n] = (i, fields[i])
    _children_in_parent(walked, hits)
    out: list[SectionMatch] = []
    for n, (path, s) in enumerate(walked):
        if n not in hits:
            out.append(SectionMatch(s, path, None))
            continue
        f = hits[n][1]
        filled = (Block(kind="text", text=f.value),) if f.value.strip() or table else ()
        heading = Heading(title=s.title, label="", level=s.level, location=f.location, blocks=filled,
                          signals=("table-cell",))
        out.append(SectionMatch(s, path, heading, 100.0, "cell"))
    return out


def in_text_matches(matches: Sequence[SectionMatch], tree: DocumentTree) -> list[SectionMatch]:
    """Sections marked in_text that no heading matched are looked for in the paragraphs."""
    out = list(matches)
    by_path = {m.path: m for m in matches}
    for i, m in enumerate(out):
        parent = by_path.get(m.path[:-1])
        if parent is not None and parent.heading is None:
            continue  # a missing chapter is not brought back by a word of its item elsewhere
        if m.heading is None and m.section.in_text:
            found = match_text([m.section], tree, keywords=False)[0]
            if found.heading is not None:
                out[i] = SectionMatch(m.section, m.path, found.heading, found.score, found.how)
    return out
