"""`dossier facts list`: every fact key with its Chinese title, its type and where it is used.

A reviewer writing facts.yaml needs to know which keys exist, what each means in Chinese, how
to write its value, and what it switches on or off: which materials, chapters and rules of
which pack read it, and whether the checker can also read it from the documents."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from dossier.conditions import facts_in
from dossier.errors import DossierError
from dossier.facts import ENUM_LABELS, fact_titles, fact_types, suggest
from dossier.model import Pack

TYPE_TEXT = {
    "boolean": "是/否", "money": "金额（万元；可写“350万元”“3,500,000元”“叁佰伍拾万元整”）",
    "date": "日期（2023-09-21 或 2023年9月21日）", "integer": "整数", "number": "数字", "string": "文本",
    "enum": "选项",
}


class UnknownFact(DossierError):
    """A fact key nobody declares (exit 2, with the closest known key)."""


@dataclass
class FactInfo:
    name: str
    title: str
    type: str
    values: tuple[str, ...] = ()
    used_by: dict[str, list[str]] = field(default_factory=dict)  # pack id → ["材料 …", "章节 …", "规则 …"]

    def type_text(self) -> str:
        if self.type == "enum" and self.values:
            return "选项：" + " / ".join(f"{ENUM_LABELS.get(v, v)}（{v}）" for v in self.values)
        return TYPE_TEXT.get(self.type, self.type)

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "title": self.title, "type": self.type, "values": list(self.values),
                "type_text": self.type_text(), "used_by": self.used_by}


def _param_facts(value: Any, known: Mapping[str, str], key: str = "") -> Iterator[str]:
    """Fact names inside a rule's kind-specific fields: conditions, from/to/fact references."""
    if isinstance(value, Mapping):
        if any(k in value for k in ("all", "any", "not", "fact")):
            try:
                yield from list(facts_in(value))
                return
            except (ValueError, KeyError, TypeError):
                pass  # not a condition: a rule field that names a fact ({fact: x, month_day: …})
        for k, v in value.items():
            yield from _param_facts(v, known, str(k))
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _param_facts(v, known, key)
    elif isinstance(value, str) and value in known and key in ("from", "to", "fact", "facts", "date", "amount"):
        yield value


def usage(pack: Pack) -> dict[str, list[str]]:
    """fact name → where the pack uses it, in Chinese ("材料 监理报告（final-acceptance）", …)."""
    known = fact_types(pack)
    out: dict[str, list[str]] = {}

    def add(names: Iterable[str], where: str) -> None:
        for n in dict.fromkeys(names):
            out.setdefault(n, [])
            if where not in out[n]:
                out[n].append(where)

    for stage in pack.stages:
        for m in stage.materials:
            add(facts_in(m.when), f"材料“{m.title}”（{stage.title}）")
            for part in getattr(m, "parts", ()) or ():
                add(facts_in(getattr(part, "when", None)), f"材料“{m.title}”之“{part.title}”（{stage.title}）")
    for doc in pack.documents:
        for _, s in doc.walk():
            add(facts_in(s.when), f"章节《{doc.title}》“{s.title}”")
    for r in pack.rules:
        add([*facts_in(r.when), *_param_facts(dict(r.params), known)], f"规则“{r.title}”")
    try:
        from dossier.check.extract import pack_patterns

        add((p.fact for p in pack_patterns(pack)), "可从文件中读取")
    except DossierError:
        pass  # a broken extract.yaml is reported by the checks that load it
    return out


def fact_infos(packs: Sequence[Pack], only: Sequence[str] = ()) -> list[FactInfo]:
    """Every known fact (shared vocabulary plus the packs' own), optionally only some keys."""
    types: dict[str, str] = dict(fact_types(None))
    titles: dict[str, str] = dict(fact_titles(None))
    values: dict[str, tuple[str, ...]] = {}
    from dossier import resources

    for name, spec in resources.schema("facts")["properties"].items():
        if "enum" in spec:
            values[name] = tuple(spec["enum"])
    for p in packs:
        for f in p.facts:
            types.setdefault(f.name, f.type)
            titles.setdefault(f.name, f.title)
            if f.values:
                values.setdefault(f.name, tuple(f.values))
    for key in only:
        if key not in types:
            hint = suggest(key, types)
            raise UnknownFact(f"unknown fact {key!r}" + (f"; did you mean {hint!r}?" if hint else ""),
                              path="facts")
    infos = {n: FactInfo(n, titles.get(n, n), t, values.get(n, ())) for n, t in types.items()}
    for p in packs:
        for name, places in usage(p).items():
            if name in infos:
                infos[name].used_by[p.id] = places
    chosen = [infos[k] for k in only] if only else sorted(infos.values(), key=lambda i: i.name)
    if not only and len(packs) == 1:
        # One pack asked for: its own facts and the shared ones it uses, not other packs' facts.
        own = {f.name for f in packs[0].facts}
        chosen = [i for i in chosen if i.name in own or i.name in fact_types(None)]
    return chosen


def render_text(infos: Sequence[FactInfo]) -> str:
    lines = []
    for i in infos:
        lines.append(f"{i.name}  {i.title}  [{i.type_text()}]")
        if not i.used_by:
            lines.append("    （各规则包均未使用）")
        for pid, places in sorted(i.used_by.items()):
            shown = "；".join(places[:8]) + (f"；等{len(places)}处" if len(places) > 8 else "")
            lines.append(f"    {pid}: {shown}")
    return "\n".join(lines)
