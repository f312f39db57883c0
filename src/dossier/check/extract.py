"""Facts from documents: project name, amounts, dates, 试运行 periods, units — with evidence.

Each fact comes from a pattern: a regular expression with named groups, the trigger words
without which it cannot match (a cheap substring screen: most lines hold none), and the kind
of value it yields (money → Decimal 万元, date → date, text → str). The shared patterns are
below; a pack adds its own in `outlines/<id>/extract.yaml` (schemas/extract.schema.json), so a
new jurisdiction's document facts are YAML only. `{AMOUNT}` and `{DATE}` in a pack's pattern
stand for the shared amount and date sub-patterns.

Evidence is the sentence the match sits in (cut at 。；; or the line end) with the value's
character span inside it, so a report can quote and highlight exactly what was read.

spaCy used to wrap these matches in `char_span` and did nothing a regex does not already do
(no model is allowed, a blank Chinese pipeline has no sentence boundaries), while costing
0.6–0.9 s and ~70 MB per process; it was dropped (see the README).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache, lru_cache
from typing import Any

from dossier.check.normalise import simplify
from dossier.cjk import chinese_to_int
from dossier.errors import PackError
from dossier.facts import fact_types, to_wan
from dossier.model import Pack
from dossier.tree import DocumentTree, Location

_CN_DIGIT = {"〇": 0, "零": 0, "○": 0, "Ｏ": 0, "O": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5,
             "六": 6, "七": 7, "八": 8, "九": 9}

DATE = (
    r"(?P<y>(?:19|20)\d{2}|[二][〇○零Ｏ][一二三四五六七八九〇○零Ｏ]{2})\s*(?:年|[-/.])\s*"
    r"(?P<m>1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九])\s*(?:月|[-/.])?"
    r"(?:\s*(?P<d>3[01]|[12]\d|0?[1-9]|[一二三]?十[一二三四五六七八九]?|[一二三四五六七八九])\s*(?:日|号)?)?"
)
AMOUNT = r"(?P<num>\d{1,3}(?:[,，]\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*(?P<unit>亿元|万元|元|亿|万)"
# Text values stop at punctuation and at a tab: a filled form row reads '项目名称\t<name>\t项目类型'.
_TEXT_STOP = r"\n\t:：；;，,。"
KINDS = ("money", "date", "text")


@dataclass(frozen=True)
class FactPattern:
    """One way a fact is written in documents."""

    fact: str
    kind: str  # money | date | text
    triggers: tuple[str, ...]
    pattern: str  # the regular expression, {AMOUNT} and {DATE} written out
    source: str = "shared"  # where it was declared: "shared" or the pack file
    also: tuple[str, ...] = ()
    """Words of which a line must also hold one for the pattern to match (besides a trigger)."""

    @property
    def regex(self) -> re.Pattern[str]:
        """Compiled on first use: the CJK character sets of a date pattern cost `re` ~10 M
        instructions to compile, and most documents never hold some patterns' triggers."""
        return _compiled(self.pattern)


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


@dataclass(frozen=True)
class Extracted:
    name: str
    value: Any
    file: str
    location: Location
    text: str  # the sentence the value was read from
    start: int = 0  # the value's span inside `text`
    end: int = 0

    def evidence(self) -> dict[str, Any]:
        ev: dict[str, Any] = {"file": self.file, "location": self.location.render(), "text": self.text}
        if self.end > self.start:
            ev["span"] = [self.start, self.end]
            ev["match"] = self.text[self.start : self.end]
        return ev


YEAR = ("19", "20", "二")
"""What a {DATE} match holds: its year is 19xx, 20xx or 二〇xx."""


def _pattern(fact: str, kind: str, triggers: Sequence[str], regex: str, source: str = "shared") -> FactPattern:
    # No shared pattern makes its {DATE} optional: a line without a year is not read with it
    # (nor is the pattern compiled for it: the benchmark's only line with 申请 has no date).
    also = YEAR if source == "shared" and "{DATE}" in regex else ()
    return FactPattern(fact, kind, tuple(triggers), regex.replace("{AMOUNT}", AMOUNT).replace("{DATE}", DATE), source,
                       also)


# A label's optional 项目 (项目建设单位, 项目总投资) is not written before the label in these
# patterns: a match's start is never read (only the value's span and the match's end are), and
# leaving the prefix off gives the same values, spans and ends (the label never starts with 目,
# so 项目 can only come right before where the label matches), while `re` can then jump from
# one occurrence of the label's first characters to the next instead of trying every position
# (~100 M instructions of a 300-page dossier's check).


SHARED: tuple[FactPattern, ...] = (
    _pattern("project_name", "text", ("项目名称",),
             rf"项目名称\s*[:：]?\s*(?P<v>[^{_TEXT_STOP}]{{4,80}}(?:项目|工程|系统|平台)(?:（[^）\t]{{1,20}}）)?)"),
    _pattern("investment", "money", ("投资", "概算"),
             r"(?:总投资|投资总额|投资估算|总概算|投资概算|建设投资)(?:[^\n。；;\d]{0,12}?)[:：为约共计合]*\s*{AMOUNT}"),
    _pattern("contract_amount", "money", ("合同",),
             r"合同(?:总)?(?:金额|价款|总价)(?:[^\n。；;\d]{0,8}?)[:：为约共计]*\s*{AMOUNT}"),
    _pattern("construction_unit", "text", ("建设单位",),
             r"建设单位(?:及负责人)?\s*[:：]\s*(?P<v>[^\n\t，,；;。（(]{3,40})"),
    _pattern("contractor", "text", ("承建",), r"承建(?:单位|方)\s*[:：]\s*(?P<v>[^\n\t，,；;。（(]{3,40})"),
    _pattern("supervisor", "text", ("监理",), r"监理(?:单位|机构)\s*[:：]\s*(?P<v>[^\n\t，,；;。（(]{3,40})"),
    _pattern("preliminary_acceptance_date", "date", ("初",),
             r"初(?:步)?验(?:收)?(?:结论及)?(?:日期|时间|于|通过)[^\n。；;\d二]{0,10}{DATE}"),
    _pattern("trial_run_start", "date", ("试运行",),
             r"试运行(?:开始|起始)?(?:日期|时间)?(?:自|从|于|[:：])?\s*{DATE}\s*(?:起|开始|至|到|—|-|~)"),
    _pattern("trial_run_end", "date", ("试运行",), r"试运行[^\n。；;]{0,30}?(?:至|到|—|~)\s*{DATE}"),
    # '系统自2023年5月22日起至2023年9月21日止试运行': the period before the word.
    _pattern("trial_run_start", "date", ("试运行",),
             r"(?:自|从)\s*{DATE}\s*起?\s*(?:至|到)[^\n。；;]{0,24}?止?\s*(?:进行|开展)?试运行"),
    _pattern("trial_run_end", "date", ("试运行",), r"(?:至|到)\s*{DATE}\s*止?\s*(?:进行|开展)?试运行"),
    _pattern("final_application_date", "date", ("申请",), r"(?:申请日期|申请时间|申请于)\s*[:：]?\s*{DATE}"),
    _pattern("go_live_date", "date", ("投入", "上线"),
             r"(?:投入(?:正式)?(?:使用|运行|应用)|上线)(?:日期|时间)?[:：于]?\s*{DATE}"),
)


# -- pack patterns ---------------------------------------------------------------------------


def load_patterns(data: Any, file: str, fact_types: Mapping[str, str], *,
                  schema_checked: bool = False) -> tuple[FactPattern, ...]:
    """A pack's extract.yaml → patterns; PackError naming the file and place on any problem.

    Checked beyond the schema: the regex compiles, it has the named group its kind reads
    (`v` for text; `{AMOUNT}` / `{DATE}` or num+unit / y+m for money and date), and the fact is
    one the pack or the shared vocabulary declares, with the same kind."""
    from dossier.packs import schema_problems

    problems = [] if schema_checked else schema_problems(data, "extract", file)
    if problems:
        p = problems[0]
        raise PackError(p.reason, path=file, where=p.where or None)
    out = []
    for i, item in enumerate(data.get("patterns") or ()):
        where = f"/patterns/{i}"
        fact, kind = str(item["fact"]), str(item["kind"])
        declared = fact_types.get(fact)
        if declared is None:
            raise PackError(f"unknown fact {fact!r} (declare it in pack.yaml facts)", path=file, where=where)
        expected = {"money": "money", "date": "date"}.get(declared, "text")
        if expected != kind:
            raise PackError(f"fact {fact!r} is a {declared}; its pattern must be of kind {expected!r}", path=file,
                            where=where)
        pat = _pattern(fact, kind, item["triggers"], str(item["regex"]), source=file)
        try:
            groups = set(pat.regex.groupindex)  # compiled now: a pack's problem is named when it loads
        except re.error as exc:
            raise PackError(f"regex does not compile: {exc}", path=file, where=where + "/regex") from None
        need = {"text": {"v"}, "money": {"num", "unit"}, "date": {"y", "m"}}[kind]
        if not need <= groups:
            names = ", ".join(sorted(need))
            raise PackError(f"a {kind} pattern needs the named group(s) {names} (use {{AMOUNT}} or {{DATE}})",
                            path=file, where=where + "/regex")
        # Lines are simplified (NFKC, traditional → simplified) before matching; so are triggers.
        out.append(FactPattern(pat.fact, pat.kind, tuple(simplify(t) for t in pat.triggers), pat.pattern, file))
    return tuple(out)


def patterns_for(extra: Iterable[FactPattern] = ()) -> tuple[FactPattern, ...]:
    """The shared patterns, then a pack's own (a pack may add ways to write a shared fact)."""
    return SHARED + tuple(extra)


def pack_patterns(pack: Pack) -> tuple[FactPattern, ...]:
    """The shared patterns plus those of the installed pack's `extract.yaml` (if it has one)."""
    return _installed_patterns(pack.id, fact_types(pack))


def _installed_patterns(pack_id: str, types: Mapping[str, str]) -> tuple[FactPattern, ...]:
    key = (pack_id, tuple(sorted(types.items())))
    if key not in _CACHE:
        from dossier import packdata, resources

        node = resources.outlines_root() / pack_id / "extract.yaml"
        extra: tuple[FactPattern, ...] = ()
        if node.is_file():
            file = f"outlines/{pack_id}/extract.yaml"
            text = node.read_text(encoding="utf-8")
            # Parsed and schema-checked ahead of time while the file is the one shipped
            # (dossier.packdata): no PyYAML or jsonschema-rs to import for it.
            checked, data = packdata.entry_data(packdata.installed(pack_id), "extract.yaml", text, "extract")
            if not checked:
                from dossier.yamlio import load_yaml_text

                data = load_yaml_text(text, file, PackError)
            extra = load_patterns(data, file, types, schema_checked=checked)
        _CACHE[key] = patterns_for(extra)
    return _CACHE[key]


_CACHE: dict[tuple[str, tuple[tuple[str, str], ...]], tuple[FactPattern, ...]] = {}


# -- values ------------------------------------------------------------------------------------


def cn_number(s: str) -> int:
    """'二〇二三' → 2023 (digit by digit), '十二' → 12, '二十三' → 23, '5' → 5."""
    if s.isdigit():
        return int(s)
    if "十" in s:
        return chinese_to_int(s) or 0
    return int("".join(str(_CN_DIGIT[c]) for c in s))


def parse_date(m: re.Match[str]) -> dt.date | None:
    try:
        y, mo = cn_number(m.group("y")), cn_number(m.group("m"))
        d = cn_number(m.group("d")) if m.groupdict().get("d") else 1
        return dt.date(y, mo, d)
    except (ValueError, KeyError):
        return None


def find_dates(text: str) -> Iterator[tuple[dt.date, int, int]]:
    for m in re.finditer(DATE, text):
        d = parse_date(m)
        if d is not None:
            yield d, m.start(), m.end()


def _value(pat: FactPattern, m: re.Match[str]) -> tuple[Any, int, int] | None:
    """The value a match yields and its span in the searched text, or None when it reads as nothing."""
    if pat.kind == "money":
        try:
            return _amount(f"{m.group('num')}{m.group('unit')}"), m.start("num"), m.end("unit")
        except ValueError:
            return None
    if pat.kind == "date":
        d = parse_date(m)
        return (d, m.start("y"), m.end()) if d is not None else None
    v = m.group("v").strip()
    return (v, m.start("v"), m.start("v") + len(v)) if v else None


@lru_cache(maxsize=4096)
def _amount(written: str) -> Decimal:
    """to_wan of an amount as matched: a dossier repeats its amounts (the benchmark's contract
    sum 453 times), each read at ~20 K instructions; a Decimal is immutable, so one serves all."""
    return to_wan(written)


_SENTENCE_END = re.compile(r"[。；;!！?？\n]")


def sentence(text: str, start: int, end: int) -> tuple[str, int, int]:
    """The sentence around [start, end) and the span's offsets inside it (at most ~200 characters)."""
    # The nearest sentence ends within 100 characters each side; the one before is the first
    # in the reversed text before the value (not the last of all of them from the line's start).
    before = _SENTENCE_END.search(text[max(start - 100, 0):start][::-1])
    left = start - before.start() if before else max(start - 100, 0)
    after = _SENTENCE_END.search(text, end, end + 100)
    right = after.end() if after else min(len(text), end + 100)
    raw = text[left:right]
    stripped = raw.lstrip()
    shift = left + (len(raw) - len(stripped))
    out = stripped.rstrip()
    return out, start - shift, end - shift


# -- documents -----------------------------------------------------------------------------------


def _snippets(tree: DocumentTree) -> Iterator[tuple[str, Location]]:
    if tree.title:
        yield tree.title, Location()
    for b in tree.preamble:
        yield b.plain(), b.location
    for h in tree.walk():
        yield f"{h.label}{h.title}", h.location
        for b in h.blocks:
            if not b.placeholder:
                yield b.plain(), b.location


TRADITIONAL = {
    "上线": "上線", "初": "初", "变更后": "變更後", "合同": "合同", "建设单位": "建設單位", "承建": "承建",
    "投入": "投入", "投资": "投資", "概算": "概算", "申请": "申請", "监理": "監理", "签署日期": "簽署日期",
    "签订日期": "簽訂日期", "签订时间": "簽訂時間", "经费估算": "經費估算", "试运行": "試運行",
    "项目名称": "項目名稱", "项目总投资": "項目總投資",
}
"""opencc s2t of the installed packs' trigger words (a test keeps it equal to opencc): its s2t
dictionary takes ~0.05 s to load, a tenth of a cold check's own work. A custom pack's new
words are converted by opencc."""


@cache
def _to_traditional() -> Callable[[str], str]:
    import opencc

    return opencc.OpenCC("s2t").convert


def traditional(word: str) -> str:
    """opencc s2t of a trigger word, from TRADITIONAL where it is there."""
    return TRADITIONAL.get(word) or _to_traditional()(word)


@cache
def _screen(triggers: frozenset[str]) -> re.Pattern[str]:
    """All trigger literals, simplified and traditional, so raw text is screened before conversion."""
    words = set(triggers) | {traditional(w) for w in triggers}
    return re.compile("|".join(sorted(map(re.escape, words), key=len, reverse=True)))


class _Reader:
    """Which of the patterns to run on a (simplified) line: those with a trigger in it (and one
    of their `also` words). The patterns for each set of triggers found are worked out once (a
    dossier's ~2,000 screened lines hold a dozen different sets), not by testing every pattern
    on every line (~20 M instructions)."""

    def __init__(self, patterns: tuple[FactPattern, ...]) -> None:
        self.patterns = patterns
        self.triggers = tuple(sorted({t for p in patterns for t in p.triggers}))
        self.screen = _screen(frozenset(self.triggers))
        self._runs: dict[frozenset[str], tuple[tuple[FactPattern, ...], bool]] = {}

    def to_run(self, text: str) -> tuple[FactPattern, ...]:
        present = frozenset([t for t in self.triggers if t in text])
        found = self._runs.get(present)
        if found is None:
            runs = tuple(p for p in self.patterns if not present.isdisjoint(p.triggers))
            found = self._runs[present] = (runs, any(p.also for p in runs))
        runs, ask = found
        return tuple(p for p in runs if not p.also or any(w in text for w in p.also)) if ask else runs


@cache
def _reader(patterns: tuple[FactPattern, ...]) -> _Reader:
    return _Reader(patterns)


def extract(tree: DocumentTree, file: str, patterns: Sequence[FactPattern] = SHARED) -> list[Extracted]:
    """Every fact candidate in a document, in document order."""
    out: list[Extracted] = []
    reader = _reader(tuple(patterns))
    screen = reader.screen.search
    for raw, loc in _snippets(tree):
        if not raw or len(raw) > 20000 or not screen(raw):
            continue
        text = simplify(raw)
        for pat in reader.to_run(text):
            for m in pat.regex.finditer(text):
                got = _value(pat, m)
                if got is None:
                    continue
                value, start, end = got
                evidence, s, e = sentence(text, start, end)
                out.append(Extracted(pat.fact, value, file, loc, evidence, s, e))
    return out


def merge(found: list[Extracted]) -> dict[str, Extracted]:
    """First value per fact (documents are passed main document first)."""
    first: dict[str, Extracted] = {}
    for e in found:
        first.setdefault(e.name, e)
    return first


def same_value(a: Any, b: Any) -> bool:
    if isinstance(a, Decimal) and isinstance(b, Decimal):
        return abs(a - b) <= Decimal("0.01")
    if isinstance(a, str) and isinstance(b, str):
        # Extracted text is NFKC-simplified (（二期） → (二期)); compare given text the same way.
        return re.sub(r"\s", "", simplify(a)) == re.sub(r"\s", "", simplify(b))
    return bool(a == b)
