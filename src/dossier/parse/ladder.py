"""Typed numbering ladders shared by the DOCX and PDF parsers.

Chinese documents number headings by hand: 第一章 / 一、/（一）/ 1. / 1.1 / (1) / ①, often
with full-width digits or spaces inside. `split_numbering` recognises one label at the
start of a line and names its *family*; `Ladder` turns families into levels from the
document's own order (which family appears first, and under which), not a fixed table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from dossier.cjk import HALF_WIDTH, WIDE, chinese_to_int, is_toc_title, nfkc, on_first_use

__all__ = [
    "FAMILIES",
    "Ladder",
    "Numbering",
    "chinese_to_int",
    "clean_title",
    "DOC_KIND_END",
    "FRAME_HEAD",
    "is_amount_line",
    "is_never_heading",
    "is_toc_line",
    "normalise_title",
    "split_label",
    "split_numbering",
]


@dataclass(frozen=True)
class Numbering:
    """A numbering label at the start of a line.

    `label` is the label exactly as written (full-width digits and inner spaces kept,
    trailing separator such as 、 or . included); `title` is the rest of the line,
    stripped but not otherwise normalised (see `normalise_title`).
    """

    label: str
    title: str
    family: str
    value: int | None


FAMILIES = (
    "chapter",  # 第一章 第1章 第一部分 第一篇
    "section",  # 第一节
    "cn",  # 一、 一. 一．
    "cn-paren",  # （一） (一)
    "dec",  # 1. 1、 1． and "1 标题" (digit, space, CJK)
    "dec2",  # 1.1
    "dec3",  # 1.1.1
    "dec4",  # 1.1.1.1 and deeper
    "paren",  # (1) （1） ⑴
    "rparen",  # 1) 1）
    "circled",  # ① … ⑳
    "alpha",  # A. A、
    "alpha-lower",  # a. a、
    "alpha-paren",  # (a) (A)
    "roman",  # I. II、 Ⅰ、
)


_CN = "零〇一二三四五六七八九两十百千壹贰叁肆伍陆柒捌玖拾佰仟"

_ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}
_ROMAN_CHARS = "ⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩⅪⅫ"

# Words that follow a number in body text, never in a heading label: "17597.78 万元",
# "3 个月", "2 台服务器", "1.5 倍".
_UNITS = (
    "万元", "亿元", "千元", "元", "万", "亿", "%", "‰", "个", "台", "套", "年", "月", "日", "天",
    "周", "小时", "分钟", "倍", "米", "公里", "平方", "km", "GB", "TB", "MB", "kg", "吨", "兆",
)  # fmt: skip
# Words like 项/人/条 also count things ("3项") but start heading words too ("1 项目概述"),
# so they are left out: the typed patterns need a separator or a space before CJK anyway.
_UNIT_RE = "|".join(re.escape(u) for u in sorted(_UNITS, key=len, reverse=True))
_AMOUNT_RE = re.compile(rf"^\s*[-+]?\d[\d,]*(?:\.\d+)?\s*(?:{_UNIT_RE})")

_S = r"[ \t]*"
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "chapter",
        re.compile(rf"^第{_S}(?P<n>[{_CN}\d](?:{_S}[{_CN}\d])*){_S}(?P<u>章|部分|篇|编){_S}[、.:：]?"),
    ),
    ("section", re.compile(rf"^第{_S}(?P<n>[{_CN}\d](?:{_S}[{_CN}\d])*){_S}节{_S}[、.:：]?")),
    ("cn-paren", re.compile(rf"^[(（]{_S}(?P<n>[{_CN}]+){_S}[)）]{_S}[、.]?")),
    ("cn", re.compile(rf"^(?P<n>[{_CN}]+){_S}[、.．,，]")),
    ("dec4", re.compile(rf"^(?P<n>\d{{1,3}}(?:{_S}\.{_S}\d{{1,3}}){{3,}})(?!\d|{_S}\.{_S}\d)(?:{_S}[.、])?")),
    (
        "dec3",
        re.compile(
            rf"^(?P<n>\d{{1,3}}{_S}\.{_S}\d{{1,3}}{_S}\.{_S}\d{{1,3}})(?!\d|{_S}\.{_S}\d)(?:{_S}[.、])?"
        ),
    ),
    ("dec2", re.compile(rf"^(?P<n>\d{{1,3}}{_S}\.{_S}\d{{1,3}})(?!\d|{_S}\.{_S}\d)(?:{_S}[.、])?")),
    ("dec", re.compile(r"^(?P<n>\d{1,3})[ \t]*[.、](?![ \t]*\d)")),
    ("rparen", re.compile(r"^(?P<n>\d{1,3})[ \t]*\)")),
    ("paren", re.compile(rf"^\({_S}(?P<n>\d{{1,3}}){_S}\)")),
    ("alpha-paren", re.compile(rf"^\({_S}(?P<n>[A-Za-z]){_S}\)")),
    ("roman", re.compile(rf"^(?P<n>[IVX]{{1,4}}|[{_ROMAN_CHARS}]){_S}[.、]")),
    ("alpha", re.compile(r"^(?P<n>[A-Z])[ \t]*[.、](?![A-Za-z])")),
    ("alpha-lower", re.compile(r"^(?P<n>[a-z])[ \t]*[.、](?![A-Za-z])")),
)
_FAM = dict(_PATTERNS)


def _group(*fams: str) -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple((f, _FAM[f]) for f in fams)


# Only the patterns a first character allows are tried (most lines fail on the first).
_BY_DIGIT = _group("dec4", "dec3", "dec2", "dec", "rparen")
_BY_DI = _group("chapter", "section")
_BY_PAREN = _group("cn-paren", "paren", "alpha-paren")
_BY_CN = _group("cn")
_BY_ROMAN = _group("roman", "alpha")
_BY_ALPHA = _group("alpha", "alpha-lower")
# "1 项目概述": a bare number, a space, then CJK text (hand-typed Heading 1 manner). The
# 汉字 after the space is asked in code (`_after_bare_dec`), not by a lookahead: `re` compiles a
# class of 20,992 code points one by one (~1.5 ms at every start).
_BARE_DEC = re.compile(r"^(?P<n>\d{1,2})[ \t]+")
_CIRCLED = {chr(0x2460 + i): i + 1 for i in range(20)}  # ①..⑳
_PAREN_DIGIT = {chr(0x2474 + i): i + 1 for i in range(20)}  # ⑴..⒇
_DOT_DIGIT = {chr(0x2488 + i): i + 1 for i in range(20)}  # ⒈..⒛


def _roman_to_int(s: str) -> int | None:
    if len(s) == 1 and s in _ROMAN_CHARS:
        return _ROMAN_CHARS.index(s) + 1
    total, prev = 0, 0
    for ch in reversed(s):
        v = _ROMAN.get(ch)
        if v is None:
            return None
        total = total - v if v < prev else total + v
        prev = max(prev, v)
    return total


def is_amount_line(text: str) -> bool:
    """A line that starts with a quantity ("17597.78 万元…", "3 个月内…") is body text."""
    return bool(_AMOUNT_RE.match(text.translate(HALF_WIDTH)))


def split_numbering(text: str) -> Numbering | None:
    """Recognise a numbering label at the start of `text`, or None.

    Handles full-width digits and punctuation, spaces inside the label (第 一 章, 1 . 1),
    Unicode enumerated characters (① ⑴ ⒈) and refuses amounts ("17597.78 万元", "1.5 倍").
    """
    got = split_label(text)
    return Numbering(*got) if got is not None else None


def split_label(text: str) -> tuple[str, str, str, int | None] | None:
    """`split_numbering` as a plain (label, title, family, value) tuple, for callers that
    take it apart at once (one per line of a document: the dataclass costs as much as
    the matching)."""
    orig = text.strip()
    if not orig:
        return None
    first = orig[0]
    single = _SINGLE.get(first)
    if single is not None:
        return _make(orig, 1, single[0], single[1])
    # Labels are short: translate only the head (full-width → ASCII, one for one), and
    # only when it holds something to translate.
    t = orig[:32]
    if not t.isascii() and _NEEDS_HALF(t):
        t = t.translate(HALF_WIDTH)
        first = t[0]
    patterns = _patterns_for(first, t)
    if patterns is None:
        return None
    for fam, rx in patterns:
        m = rx.match(t)
        if not m:
            continue
        n = m.group("n")
        if fam == "cn" and len(n) > 3:
            continue  # 一二三四五 is a word, not a label
        value = _label_value(fam, n)
        if value is not None:
            return _make(orig, m.end(), fam, value)
    m = _BARE_DEC.match(t)
    if m and _han_at(t, m.end()):
        return _make(orig, m.end(), "dec", int(m.group("n")))
    return None


def _han_at(text: str, i: int) -> bool:
    """A CJK unified ideograph (U+4E00–U+9FFF) at text[i]. After `_BARE_DEC`'s greedy run of
    spaces and tabs this is the lookahead `(?=[\u4e00-\u9fff])`: a shorter run would leave a
    space or tab next, and one digit instead of two a digit."""
    return i < len(text) and "\u4e00" <= text[i] <= "\u9fff"


def _patterns_for(first: str, t: str) -> tuple[tuple[str, re.Pattern[str]], ...] | None:
    """The label families a line starting with `first` can open with; None for none (and
    for an amount, "1,200.00", which is never a label)."""
    if first.isdigit():
        return None if _AMOUNT_RE.match(t) else _BY_DIGIT
    if first == "第":
        return _BY_DI
    if first == "(":
        return _BY_PAREN
    if first in _CN:
        return _BY_CN
    if first in _ROMAN_CHARS or first in "IVX":
        return _BY_ROMAN
    if "A" <= first <= "Z" or "a" <= first <= "z":
        return _BY_ALPHA
    return None


def _label_value(fam: str, n: str) -> int | None:
    """The number a label of family `fam` reads as ("2.3.4" → 4, "C" → 3, "IV" → 4,
    "十二" → 12); None when it reads as none."""
    if fam in ("dec2", "dec3", "dec4"):
        return int(n.rsplit(".", 1)[-1].strip())
    if fam in ("alpha", "alpha-paren", "alpha-lower"):
        return ord(n.upper()) - ord("A") + 1
    if fam == "roman":
        return _roman_to_int(n)
    return chinese_to_int(n.replace(" ", "").replace("\t", ""))


_SINGLE: dict[str, tuple[str, int]] = {
    **{ch: ("circled", v) for ch, v in _CIRCLED.items()},
    **{ch: ("paren", v) for ch, v in _PAREN_DIGIT.items()},
    **{ch: ("dec", v) for ch, v in _DOT_DIGIT.items()},
}
_NEEDS_HALF = WIDE.search
# Something a title names with: a letter or digit (every 汉字 of U+4E00–U+9FFF is one, which
# a test asserts; spelling the range out cost ~2.5 ms of compiling at every start).
_WORDISH = re.compile(r"\w")
_WS = re.compile(r"\s+")


def _make(orig: str, end: int, family: str, value: int | None) -> tuple[str, str, str, int | None] | None:
    label = orig[:end].strip()
    title = orig[end:].strip().lstrip("、.．:：").strip()
    if not title or not _WORDISH.search(title):
        return None  # a bare "1." or "一、" is a list marker with nothing to name
    return label, title, family, value


_CJK = r"\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef"
_SPACED_CJK = re.compile(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])")
_TRAIL_PAGE = re.compile(r"(?:[\s.·…‥_\-—–]{2,}|…|\t+)\s*(?:\d{1,4}|[ivxlcIVXLC]{1,6})\s*$")
_TRAIL_PUNCT = re.compile(r"[\s:：。.,，;；、]+$")
_PUNCT_END = frozenset(":：。.,，;；、")
_ROMAN_END = frozenset("ivxlcIVXLC")
_HAS_WS = re.compile(r"\s").search


_ALNUM_HALF = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F) if chr(cp - 0xFEE0).isalnum()}
_ALNUM_HALF[0x3000] = 0x20
_NEEDS_ALNUM_HALF = re.compile("[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\u3000]").search


def clean_title(text: str) -> str:
    """A heading title as written, tidied: full-width letters and digits to ASCII, CJK
    letter spacing collapsed (项 目 概 述 → 项目概述), whitespace collapsed, trailing page
    numbers (dot leaders or tab + number) and trailing punctuation dropped. CJK
    punctuation such as （）stays as the author typed it."""
    # Each rewrite runs only where it can change something (most titles need none).
    t = text.translate(_ALNUM_HALF) if not text.isascii() and _NEEDS_ALNUM_HALF(text) else text
    end = t.rstrip()[-1:]
    if end and (end.isdecimal() or end in _ROMAN_END):
        t = _TRAIL_PAGE.sub("", t)
    if _HAS_WS(t):
        t = _SPACED_CJK.sub("", t)
        t = _WS.sub(" ", t).strip()
    if t and (t[-1] in _PUNCT_END or t[-1].isspace()):
        t = _TRAIL_PUNCT.sub("", t)
    return t


def normalise_title(text: str) -> str:
    """For comparing titles: NFKC, then `clean_title` (spacing collapsed, trailing page
    numbers and punctuation dropped)."""
    return clean_title(nfkc(text))


_PAGE_END = frozenset("0123456789０１２３４５６７８９ivxlcIVXLC")
_LEADER_PAGE = re.compile(
    r"(?:\.{3,}|…+|·{3,}|‥+|_{4,}|-{4,}|—{2,}|\.(?:\s\.){2,})\s*(?:\d{1,4}|[ivxlcIVXLC]{1,6})\s*$"
)
_TOC_START = frozenset("目CcTtＣｃＴｔ")  # what a stripped 目录 title can begin with
_TAB_PAGE = re.compile(r"^[^\t]{1,80}\t+\s*\d{1,4}\s*$")


def is_toc_line(text: str) -> bool:
    """A 目录 heading, or an entry with a dot leader / tab before a page number."""
    t = text.strip()
    if not t or len(t) > 160:
        return False
    if t[-1] not in _PAGE_END:
        return len(t) <= 24 and t[0] in _TOC_START and is_toc_title(t.translate(HALF_WIDTH))
    t = t.translate(HALF_WIDTH)
    if is_toc_title(t):
        return True
    if _LEADER_PAGE.search(t):
        return True
    return bool(_TAB_PAGE.match(t))


@dataclass(slots=True)
class _Rung:
    family: str
    value: int | None
    hint: int | None


@dataclass
class Ladder:
    """Levels from the document's own ladder.

    Families are ranked in the order they first appear, each new family ranking just
    below the family it first appears under (so a document that starts with "1." and
    nests "(1)" gets 1. → level 1, (1) → level 2; one that starts with 第一章 pushes 1.
    down). A stack of open rungs gives context: a known family pops every rung ranked
    at or below it; "1." again while a deeper rung is open under an earlier "1." nests.

    `hint` is a level Word recorded (heading style, outline level): such a heading goes
    directly under the deepest open rung with a smaller hint, whatever lies between.
    Levels returned are always 1..depth+1, so the tree never has gaps.
    """

    order: list[str] = field(default_factory=list)
    stack: list[_Rung] = field(default_factory=list)

    def level_for(self, family: str, hint: int | None = None, value: int | None = None) -> int:
        stack = self.stack
        if hint is not None:
            keep = 0
            for i, rung in enumerate(stack):
                # A rung Word gave no level (a typed 第二章 in body style) counts at its depth.
                if (rung.hint if rung.hint is not None else i + 1) < hint:
                    keep = i + 1
            del stack[keep:]
            self._place(family)
            return self._push(family, value, hint)
        pos: int | None = None
        for i in range(len(stack) - 1, -1, -1):  # the innermost open rung of this family
            if stack[i].family == family:
                pos = i
                break
        if pos is not None:
            prev = stack[pos].value
            if value == 1 and prev is not None and prev >= 1 and pos < len(stack) - 1:
                # "1." again while a deeper rung is open under the earlier "1.": a list
                # restarting inside that rung, never a second sibling numbered 1.
                return self._push(family, value, hint)
            del stack[pos:]
        elif family in self.order:
            r = self.order.index(family)
            while stack and self.order.index(stack[-1].family) >= r:
                stack.pop()
        else:
            self._place(family)
        return self._push(family, value, hint)

    def continues(self, family: str, value: int | None) -> bool:
        """`value` is the next number of an open rung of `family` (二 after 一): a sibling."""
        return value is not None and any(r.family == family and r.value == value - 1 for r in self.stack)

    def _place(self, family: str) -> None:
        """Rank a new family just below the open rung it first appears under."""
        if family in self.order:
            return
        if self.stack:
            self.order.insert(self.order.index(self.stack[-1].family) + 1, family)
        else:
            self.order.insert(0, family)

    def _push(self, family: str, value: int | None, hint: int | None) -> int:
        self.stack.append(_Rung(family, value, hint))
        return len(self.stack)

    def reset(self) -> None:
        self.stack.clear()


# Lines that are never headings whatever their style or look: dates (a cover's 2021-2022 学年), version lines,
# captions (表 1, 图 1-2, 表格 1, 图表 1), GB/T 1.1 cover dates and 前言 list items (——第1部分),
# and the GB/T 9704 公文 frame (发文字号, 签发人, 抄送, 印发, 附件 lines). Case is ignored only
# in the Latin words: under a global IGNORECASE `re` case-folds every code point of every
# class, the 汉字 range included (~7 ms of compiling at every start).
_NEVER = re.compile(
    r"^(?:[〇一二三四五六七八九零\d]{4}\s*年\s*[〇一二三四五六七八九十\d]{1,2}\s*月(?:\s*[〇一二三四五六七八九十\d]{1,3}\s*日)?"
    r"(?:\s*(?:发布|实施|印发))?$"
    r"|\d{4}\s*[-./]\s*\d{1,2}(?:\s*[-./]\s*\d{1,2})?\s*(?:发布|实施)?$"
    r"|\d{1,4}(?:\s*[-–]\s*\d{2,4})?\s*学年"
    r"|(?:版\s*本|(?i:version|ver\.?|v))\s*[:：]?\s*[<《(（]?\s*\d"
    r"|(?:图|表|表格|图表|图片|(?i:figure|fig\.|table))\s*[\d一二三四五六七八九十]+(?:\s*[-–.．]\s*\d+)*(?![\d.．、])"
    r"|[—–]{1,2}\s*\S"
    r"|(?:签\s*发\s*人|抄\s*送|主\s*送|附\s*件\s*[\d：:]|联\s*系\s*人|联系电话)\s*[:：]?"
    r"|.{0,30}[〔\[［]\s*\d{4}\s*[〕\]］]\s*\d+\s*号$"
    r"|.{2,40}\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*印发$"
    r"|(?:[\u4e00-\u9fff]\s*){0,6}(?:名\s*称|名\s*单|单\s*位|教\s*师|导\s*师|时\s*间|日\s*期|地\s*址|电\s*话|"
    r"负\s*责\s*人|编\s*号|作\s*者|学\s*号|姓\s*名|组\s*号|专\s*业|班\s*级|领\s*域|方\s*向)\s*(?:[:：]\s*\S|\s+\d))"
)
# The 公文 版头 (发文机关标志: "中共XX市委员会文件", "XX市人民政府办公厅文件") and its siblings.
FRAME_HEAD = re.compile(r"^\S{2,30}(?:文件|简报|通报|函|纪要)$")
# What a 公文 or report title ends with (its 文种): preferred as the title over a larger 版头.
DOC_KIND_END = on_first_use(
    r"(?:通知|通报|意见|报告|请示|批复|决定|决议|公告|通告|函|纪要|方案|办法|规定|细则|规划|计划|"
    r"说明书|说明|建议书|任务书|总结|标准|规范|指南|要求)$"
)




def is_never_heading(text: str) -> bool:
    """A line no reader takes for a heading whatever its style or look: a date, a version,
    a caption, a 前言 list item, a form field, a 公文 frame line."""
    return bool(_NEVER.match(text.strip()))
