"""Project facts: load facts.yaml, validate against the shared vocabulary plus the pack's
own facts, and convert to typed values (money → Decimal 万元, dates → date)."""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from dossier import resources
from dossier.errors import FactsError
from dossier.model import Pack

Facts = dict[str, Any]

_UNIT = {"元": Decimal("0.0001"), "万元": Decimal(1), "万": Decimal(1), "亿元": Decimal(10000), "亿": Decimal(10000)}
_MONEY = re.compile(r"^\s*([0-9][0-9,，]*(?:\.[0-9]+)?)\s*(元|万元|万|亿元|亿)?\s*$")
# Chinese numerals, 小写 and 大写 (the 大写 ones are what contracts and 申报表 use for money).
_CN_DIGITS = {"零": 0, "〇": 0, "○": 0, "一": 1, "壹": 1, "二": 2, "贰": 2, "貳": 2, "两": 2, "三": 3, "叁": 3, "參": 3,
              "四": 4, "肆": 4, "五": 5, "伍": 5, "六": 6, "陆": 6, "陸": 6, "七": 7, "柒": 7, "八": 8, "捌": 8,
              "九": 9, "玖": 9}
_CN_SMALL = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_CN_BIG = {"万": 10_000, "萬": 10_000, "亿": 100_000_000, "億": 100_000_000}
# The patterns below are compiled by `re` when first used (and kept in its cache): their CJK
# character sets cost ~2 M instructions each to compile, at the import of this module by every
# command, while only amounts written in words and dates given in facts.yaml are read with them.
_CN_MONEY = (r"^(?P<num>[零〇○一壹二贰貳两三叁參四肆五伍六陆陸七柒八捌九玖十拾百佰千仟万萬亿億点點]+)"
             r"(?P<unit>亿元|万元|元|亿|万)?(?:(?P<jiao>[零〇一壹二贰两三叁四肆五伍六陆七柒八捌九玖])角)?"
             r"(?:(?P<fen>[零〇一壹二贰两三叁四肆五伍六陆七柒八捌九玖])分)?$")
# Words around an amount that say nothing about its value: 人民币, ¥, （大写）, 整/正, spaces.
_MONEY_NOISE = r"人民币|[¥￥]|RMB|CNY|[（(]?(?:大写|小写)[)）]?|[:：\s]|(?<=[元万亿角分])[整正]$"


def cn_numeral(text: str) -> Decimal:
    """'叁佰伍拾' → 350, '一千二百万' → 12000000, '三点五' → 3.5, '二〇二三' → 2023 (digit by digit)."""
    whole, _, frac = text.replace("點", "点").partition("点")
    if whole and all(c in _CN_DIGITS for c in whole) and len(whole) > 1:
        value = Decimal("".join(str(_CN_DIGITS[c]) for c in whole))
    else:
        total, section, digit = 0, 0, None
        for c in whole:
            if c in _CN_DIGITS:
                digit = _CN_DIGITS[c]
            elif c in _CN_SMALL:
                section += (1 if digit is None else digit) * _CN_SMALL[c]
                digit = None
            elif c in _CN_BIG:
                # 亿 scales everything before it; 万 scales the current section only (一亿二千万).
                big = _CN_BIG[c]
                if big > 10_000:
                    total = (total + section + (digit or 0)) * big
                else:
                    total += (section + (digit or 0)) * big
                section, digit = 0, None
            else:
                raise ValueError(f"not a Chinese numeral: {text!r}")
        value = Decimal(total + section + (digit or 0))
    if frac:
        if not all(c in _CN_DIGITS for c in frac):
            raise ValueError(f"not a Chinese numeral: {text!r}")
        value += Decimal("0." + "".join(str(_CN_DIGITS[c]) for c in frac))
    return value


def _plain(d: Decimal) -> Decimal:
    """Drop the trailing zeros unit conversion adds (35.0000 → 35), keep plain notation."""
    return Decimal(format(d.normalize(), "f"))


def to_wan(value: Any) -> Decimal:
    """An amount as Decimal 万元. Numbers are already 万元; strings may carry 元/万元/亿元 and may be
    written as people write them: '350万元', '3,500,000元', '0.35亿元', '三百万元', '叁佰伍拾万元整',
    '人民币叁佰万元整（¥3,000,000.00）' (the figure in brackets is read when the words are not)."""
    if isinstance(value, bool):
        raise ValueError("a boolean is not an amount")
    if isinstance(value, int | float | Decimal):
        return Decimal(str(value))
    text = str(value).strip()
    m = _MONEY.match(text)
    if m:
        number = Decimal(m.group(1).replace(",", "").replace("，", ""))
        wan = number * _UNIT[m.group(2) or "万元"]
        return _plain(wan) if m.group(2) == "元" else wan
    words = re.sub(_MONEY_NOISE, "", re.sub(r"[（(][^）)]*[0-9][^）)]*[）)]", "", text))
    m = _MONEY.match(words)
    if m:
        return to_wan(words)
    c = re.match(_CN_MONEY, words)
    if c and c.group("num")[0] not in "万萬亿億点點百佰千仟":  # '万元' alone is a unit, not an amount
        number = cn_numeral(c.group("num"))
        unit = c.group("unit")
        if unit is None and not c.group("jiao") and not c.group("fen"):
            # Bare words ('三百万') are read as 元 when they carry 万/亿 themselves, else as 万元.
            unit = "元" if any(ch in c.group("num") for ch in "万萬亿億") else "万元"
        number += Decimal(_CN_DIGITS.get(c.group("jiao") or "零", 0)) / 10
        number += Decimal(_CN_DIGITS.get(c.group("fen") or "零", 0)) / 100
        return _plain(number * _UNIT[unit or "元"])
    inner = re.search(r"[（(]\s*[¥￥]?\s*([0-9][0-9,，]*(?:\.[0-9]+)?\s*(?:元|万元|万|亿元|亿)?)\s*[）)]", text)
    if inner:
        figure = inner.group(1)
        return to_wan(figure if re.search(r"[元万亿]$", figure) else figure + "元")
    raise ValueError(f"not an amount: {value!r}")


_TRUE = {"是", "有", "对", "真", "已", "需要", "涉及", "true", "yes", "y", "t", "1", "√", "☑"}
_FALSE = {"否", "无", "没有", "不", "不是", "假", "未", "不需要", "不涉及", "false", "no", "n", "f", "0", "×", "□"}


def to_bool(value: Any) -> bool:
    """是/否, 有/无, true/false, yes/no (YAML already turns unquoted true/yes into booleans)."""
    if isinstance(value, bool):
        return value
    s = str(value).strip().lower()
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    raise ValueError(f"not a yes/no value (是/否): {value!r}")


_DATE_FORMS = (
    r"^(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]?$",
    r"^(?P<y>\d{4})\s*[-/.．]\s*(?P<m>\d{1,2})\s*[-/.．]\s*(?P<d>\d{1,2})$",
    r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$",
)
_CN_DATE = r"^(?P<y>[零〇○一二三四五六七八九]{4})年(?P<m>[一二三四五六七八九十]{1,2})月(?P<d>[一二三四五六七八九十]{1,3})[日号]$"


def to_date(value: Any) -> dt.date:
    """2023-09-21, 2023年9月21日, 2023/09/21, 2023.9.21, 2023-9-21, 20230921, 二〇二三年九月二十一日."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    s = str(value).strip()
    for pat in _DATE_FORMS:
        m = re.match(pat, s)
        if m:
            return dt.date(int(m["y"]), int(m["m"]), int(m["d"]))
    m = re.match(_CN_DATE, s)
    if m:
        return dt.date(int(cn_numeral(m["y"])), int(cn_numeral(m["m"])), int(cn_numeral(m["d"])))
    raise ValueError(f"not a date (e.g. 2023-09-21 or 2023年9月21日): {value!r}")


# Chinese words for the shared enum values; packs' own enums accept their values as written
# and, for one-letter classes, '<value>类' (A类 → A).
ENUM_WORDS: dict[str, dict[str, str]] = {
    "category": {"建设类": "construction", "建设开发类": "construction", "建设": "construction", "开发类": "construction",
                 "运维类": "operation", "运维服务类": "operation", "运维": "operation", "运行维护类": "operation"},
    "mode": {"新建": "new", "新建类": "new", "升级改造": "upgrade", "升级": "upgrade", "改造": "upgrade",
             "改扩建": "upgrade", "升级改造类": "upgrade"},
    "scale": {"大系统级": "system", "大系统": "system", "子系统级": "subsystem", "子系统": "subsystem",
              "功能模块级": "module", "功能模块": "module"},
    "unit_class": {"A类": "A", "B类": "B", "A类单位": "A", "B类单位": "B"},
    "implementation": {"次年实施": "next-year", "下一年度实施": "next-year", "当年实施": "same-year"},
    "change_reason": {"上级部门要求": "superior-requirement", "根据上级部门要求或者市委、市人民政府安排部署": "superior-requirement",
                      "技术方案优化": "technical-optimisation", "技术方案优化完善": "technical-optimisation",
                      "业务发展需要": "business-development", "其他": "other"},
    "previous_review_result": {"通过": "approved", "暂缓": "deferred", "否定": "rejected", "不通过": "rejected"},
    "procurement_method": {"公开招标": "public-tender", "邀请招标": "invited-tender", "询价": "inquiry",
                           "竞争性磋商": "competitive-consultation", "磋商": "competitive-consultation",
                           "竞争性谈判": "competitive-negotiation", "谈判": "competitive-negotiation",
                           "单一来源": "single-source", "单一来源采购": "single-source", "框架协议": "framework",
                           "其他": "other"},
    "approval_step": {"项目建议书": "proposal", "建议书": "proposal", "可行性研究报告": "feasibility",
                      "可研": "feasibility", "可研报告": "feasibility", "初步设计": "preliminary-design",
                      "初设": "preliminary-design"},
}
ENUM_LABELS: dict[str, str] = {
    "construction": "建设类", "operation": "运维类", "new": "新建", "upgrade": "升级改造", "system": "大系统级",
    "subsystem": "子系统级", "module": "功能模块级", "A": "A类", "B": "B类", "next-year": "次年实施",
    "same-year": "当年实施", "superior-requirement": "上级部门要求", "technical-optimisation": "技术方案优化完善",
    "business-development": "业务发展需要", "other": "其他", "approved": "通过", "deferred": "暂缓", "rejected": "否定",
    "public-tender": "公开招标", "invited-tender": "邀请招标", "inquiry": "询价",
    "competitive-consultation": "竞争性磋商", "competitive-negotiation": "竞争性谈判", "single-source": "单一来源",
    "framework": "框架协议", "proposal": "项目建议书", "feasibility": "可行性研究报告", "preliminary-design": "初步设计",
}


def to_enum(name: str, value: Any) -> Any:
    s = str(value).strip()
    return ENUM_WORDS.get(name, {}).get(s, s)


def to_integer(value: Any) -> Any:
    """3, '3', '三', '第三级' / '三级' (等保 level), '36个月' → int; anything else is left for the schema."""
    if isinstance(value, int):  # bool is an int too
        return value
    s = re.sub(r"^第|(?:级|个月|月|年|次|个|项)$", "", str(value).strip())
    if s.isdigit():
        return int(s)
    try:
        return int(cn_numeral(s))
    except (ValueError, KeyError):
        return value


def cn_date(d: dt.date) -> str:
    """2025-01-20 → 2025年1月20日 (how dates read in findings)."""
    return f"{d.year}年{d.month}月{d.day}日"


def fact_value_text(name: str, value: Any, kind: str | None = None) -> str:
    """A fact value as a reviewer reads it in Chinese: 建设类, 是/否, 350万元, 2025年1月20日."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if kind == "money" or (kind is None and isinstance(value, Decimal)):
        return f"{format(Decimal(value).normalize(), 'f')}万元"
    if isinstance(value, dt.date):
        return cn_date(value)
    if isinstance(value, str) and value in ENUM_LABELS and (kind in (None, "enum") or name in ENUM_WORDS):
        return ENUM_LABELS[value]
    if isinstance(value, list | tuple):
        return "、".join(fact_value_text(name, v, kind) for v in value)
    return str(value)


def normalise(raw: Mapping[str, Any], pack: Pack | None) -> dict[str, Any]:
    """Facts as people write them → the JSON forms the schema checks (ISO dates, true/false, enum
    ids, '350万元'). Values that cannot be read are left as they are for the schema to name."""
    types = fact_types(pack)
    out: dict[str, Any] = {}
    for name, value in raw.items():
        kind = types.get(str(name))
        if value is None or (isinstance(value, str) and not value.strip()):
            continue  # `key:` left blank in facts.yaml means "not known", as if absent
        try:
            if kind is None:
                out[name] = value
            elif kind == "date":
                out[name] = to_date(value).isoformat()
            elif kind == "boolean":
                out[name] = to_bool(value)
            elif kind == "money":
                out[name] = format(to_wan(value).normalize(), "f") + "万元"
            elif kind == "enum":
                out[name] = to_enum(str(name), value)
            elif kind == "integer":
                out[name] = to_integer(value)
            else:
                out[name] = value
        except (ValueError, InvalidOperation, KeyError):
            out[name] = value
    return out


def fact_types(pack: Pack | None) -> dict[str, str]:
    """fact name → type (boolean, money, date, string, enum, integer, number)."""
    props = resources.schema("facts")["properties"]
    types: dict[str, str] = {}
    for name, spec in props.items():
        ref = spec.get("$ref", "")
        if ref.endswith("/money"):
            types[name] = "money"
        elif ref.endswith("/date"):
            types[name] = "date"
        elif "enum" in spec:
            types[name] = "enum"
        else:
            types[name] = spec.get("type", "string")
    if pack:
        types.update({f.name: f.type for f in pack.facts})
    return types


def fact_titles(pack: Pack | None) -> dict[str, str]:
    props = resources.schema("facts")["properties"]
    titles = {n: s.get("description", n).split(",")[0] for n, s in props.items()}
    if pack:
        titles.update({f.name: f.title for f in pack.facts})
    return titles


def facts_schema(pack: Pack | None) -> dict[str, Any]:
    """The shared facts schema extended with the pack's declared facts."""
    sch = copy.deepcopy(resources.schema("facts"))
    if pack:
        for f in pack.facts:
            prop: dict[str, Any]
            if f.type == "money":
                prop = {"$ref": "#/$defs/money"}
            elif f.type == "date":
                prop = {"$ref": "#/$defs/date"}
            elif f.type == "enum":
                prop = {"enum": list(f.values)}
            else:
                prop = {"type": f.type}
            sch["properties"][f.name] = prop
    return sch


def validate_facts(raw: Any, pack: Pack | None, path: str = "facts") -> Facts:
    """Validate raw facts (as loaded from YAML) and return typed values; FactsError on any problem."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise FactsError("facts must be a mapping of name: value", path=path)
    raw = normalise(raw, pack)
    schema = facts_schema(pack)
    if _fast_valid(schema, raw):
        return typed(raw, pack, path)
    import jsonschema  # here, not at the top: parse sandboxes import this module and never validate

    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(dict(raw)), key=lambda e: list(e.absolute_path))
    if errors:
        err = errors[0]
        where = "/" + "/".join(str(p) for p in err.absolute_path)
        msg = err.message
        if err.validator == "additionalProperties":
            msg = unknown_fact_message(raw, pack) or msg
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise FactsError(msg[:600] + more, path=path, where=where)
    return typed(raw, pack, path)


def _fast_valid(schema: dict[str, Any], facts: dict[str, Any]) -> bool:
    """jsonschema-rs's word that the facts are valid (a tenth of python-jsonschema's import alone).
    False where it says invalid, is missing or fails: python-jsonschema then decides and words
    the problem. Where the two differ, jsonschema-rs is the stricter (it refuses "350\n" for a
    ^…$ pattern), so a pass here is a pass there."""
    if not all(isinstance(k, str) for k in facts):
        return False
    try:
        import jsonschema_rs

        return bool(jsonschema_rs.Draft202012Validator(schema, validate_formats=False).is_valid(facts))
    except Exception:  # missing, an older build, a value it cannot take (a date object)
        return False


def typed(raw: Mapping[str, Any], pack: Pack | None, path: str = "facts") -> Facts:
    types = fact_types(pack)
    out: Facts = {}
    for name, value in raw.items():
        if value is None:
            continue
        kind = types.get(name, "string")
        try:
            if kind == "money":
                out[name] = to_wan(value)
            elif kind == "date":
                out[name] = to_date(value)
            elif kind == "number":
                out[name] = Decimal(str(value))
            else:
                out[name] = value
        except (ValueError, InvalidOperation) as exc:
            raise FactsError(str(exc), path=path, where=f"/{name}") from None
    return out


def suggest(name: str, known: Iterable[str]) -> str | None:
    """The closest known fact key to a typo (rapidfuzz), or None."""
    from rapidfuzz import fuzz, process

    best = process.extractOne(name, list(known), scorer=fuzz.ratio, score_cutoff=60)
    return str(best[0]) if best else None


def unknown_fact_message(raw: Mapping[str, Any], pack: Pack | None) -> str:
    known = fact_types(pack)
    bad = [str(k) for k in raw if str(k) not in known]
    if not bad:
        return ""
    parts = []
    for k in bad:
        hint = suggest(k, known)
        parts.append(f"unknown fact {k!r}" + (f" (did you mean {hint!r}?)" if hint else ""))
    return "; ".join(parts) + " — `dossier facts list` lists the known facts"


def load_facts(path: Path, pack: Pack | None = None) -> Facts:
    from dossier.yamlio import load_yaml_file  # PyYAML only for a run that reads a facts file

    raw = load_yaml_file(path, FactsError)
    return validate_facts(raw, pack, str(path))


def to_jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else str(value.normalize())
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def fact_text(pack: Pack | None, name: str, value: Any) -> str:
    """A fact value in Chinese for messages, its kind looked up in the vocabulary and the pack."""
    return fact_value_text(name, value, fact_types(pack).get(name))
