"""Facts from documents: project name, amounts, dates, 试运行 periods, units.

Regular expressions find candidates; each is mapped onto a spaCy Doc built with
`spacy.blank("zh")` via `char_span`, so a fact's evidence is a real span (its text and
offsets) and later passes can work on tokens. No model is loaded or downloaded.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

from dossier.check.normalise import simplify
from dossier.cjk import chinese_to_int
from dossier.facts import to_wan
from dossier.tree import DocumentTree, Location

_CN_DIGIT = {"〇": 0, "零": 0, "○": 0, "Ｏ": 0, "O": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5,
             "六": 6, "七": 7, "八": 8, "九": 9}

DATE = (
    r"(?P<y>(?:19|20)\d{2}|[二][〇○零Ｏ][一二三四五六七八九〇○零Ｏ]{2})\s*(?:年|[-/.])\s*"
    r"(?P<m>1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九])\s*(?:月|[-/.])?"
    r"(?:\s*(?P<d>3[01]|[12]\d|0?[1-9]|[一二三]?十[一二三四五六七八九]?|[一二三四五六七八九])\s*(?:日|号)?)?"
)
AMOUNT = r"(?P<num>\d{1,3}(?:[,，]\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*(?P<unit>亿元|万元|元|亿|万)"

# Each pattern with the literals one of which it cannot match without: most body lines hold
# none, and a substring test is far cheaper than eleven regex scans.
_TRIGGERS: dict[str, tuple[str, ...]] = {
    "project_name": ("项目名称",),
    "investment": ("投资", "概算"),
    "contract_amount": ("合同",),
    "construction_unit": ("建设单位",),
    "contractor": ("承建",),
    "supervisor": ("监理",),
    "preliminary_acceptance_date": ("初",),
    "trial_run_start": ("试运行",),
    "trial_run_end": ("试运行",),
    "final_application_date": ("申请",),
    "go_live_date": ("投入", "上线"),
}

_FACT_PATTERNS: tuple[tuple[str, str, re.Pattern[str]], ...] = (
    ("project_name", "text", re.compile(r"项目名称\s*[:：]?\s*(?P<v>[^\n:：；;，,。]{4,80}(?:项目|工程|系统|平台)(?:（[^）]{1,20}）)?)")),
    ("investment", "money", re.compile(r"(?:项目)?(?:总投资|投资总额|投资估算|总概算|投资概算|建设投资)(?:[^\n。；;\d]{0,12}?)[:：为约共计合]*\s*" + AMOUNT)),
    ("contract_amount", "money", re.compile(r"合同(?:总)?(?:金额|价款|总价)(?:[^\n。；;\d]{0,8}?)[:：为约共计]*\s*" + AMOUNT)),
    ("construction_unit", "text", re.compile(r"(?:项目)?建设单位(?:及负责人)?\s*[:：]\s*(?P<v>[^\n，,；;。（(]{3,40})")),
    ("contractor", "text", re.compile(r"(?:项目)?承建(?:单位|方)\s*[:：]\s*(?P<v>[^\n，,；;。（(]{3,40})")),
    ("supervisor", "text", re.compile(r"(?:项目)?监理(?:单位|机构)\s*[:：]\s*(?P<v>[^\n，,；;。（(]{3,40})")),
    ("preliminary_acceptance_date", "date", re.compile(r"初(?:步)?验(?:收)?(?:结论及)?(?:日期|时间|于|通过)[^\n。；;\d二]{0,10}" + DATE)),
    ("trial_run_start", "date", re.compile(r"试运行(?:开始|起始)?(?:日期|时间)?(?:自|从|于|[:：])?\s*" + DATE + r"\s*(?:起|开始|至|到|—|-|~)")),
    ("trial_run_end", "date", re.compile(r"试运行[^\n。；;]{0,30}?(?:至|到|—|~)\s*" + DATE)),
    ("final_application_date", "date", re.compile(r"(?:申请日期|申请时间|申请于)\s*[:：]?\s*" + DATE)),
    ("go_live_date", "date", re.compile(r"(?:投入(?:正式)?(?:使用|运行|应用)|上线)(?:日期|时间)?[:：于]?\s*" + DATE)),
)


@dataclass(frozen=True)
class Extracted:
    name: str
    value: Any
    file: str
    location: Location
    text: str

    def evidence(self) -> dict[str, str]:
        return {"file": self.file, "location": self.location.render(), "text": self.text}


@cache
def nlp() -> Any:
    import spacy

    return spacy.blank("zh")


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
        d = cn_number(m.group("d")) if m.group("d") else 1
        return dt.date(y, mo, d)
    except (ValueError, KeyError):
        return None


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


@cache
def _any_trigger() -> re.Pattern[str]:
    """All trigger literals, simplified and traditional, so raw text is screened before conversion."""
    import opencc

    to_trad = opencc.OpenCC("s2t")
    words = {w for ws in _TRIGGERS.values() for w in ws}
    words |= {to_trad.convert(w) for w in words}
    return re.compile("|".join(sorted(map(re.escape, words), key=len, reverse=True)))


def extract(tree: DocumentTree, file: str) -> list[Extracted]:
    """Every fact candidate in a document, in document order."""
    out: list[Extracted] = []
    screen = _any_trigger().search
    for raw, loc in _snippets(tree):
        if not raw or len(raw) > 20000 or not screen(raw):
            continue
        text = simplify(raw)
        doc = None
        for name, kind, pat in _FACT_PATTERNS:
            if not any(t in text for t in _TRIGGERS[name]):
                continue
            for m in pat.finditer(text):
                value: Any
                if kind == "money":
                    try:
                        value = to_wan(f"{m.group('num')}{m.group('unit')}")
                    except ValueError:
                        continue
                    span_range = (m.start("num"), m.end("unit"))
                elif kind == "date":
                    value = parse_date(m)
                    if value is None:
                        continue
                    span_range = (m.start("y"), m.end())
                else:
                    value = m.group("v").strip()
                    span_range = (m.start("v"), m.end("v"))
                if doc is None:
                    doc = nlp().make_doc(text)
                span = doc.char_span(*span_range, label=name, alignment_mode="expand")
                evidence = span.sent.text if span is not None and doc.has_annotation("SENT_START") else text[
                    max(0, m.start() - 10) : m.end() + 10
                ]
                out.append(Extracted(name, value, file, loc, evidence.strip()[:200]))
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
