"""`dossier packs show`: a stage's documents with their outline trees, and its materials
with conditions and citations, as text, Markdown or JSON."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from dossier.conditions import describe
from dossier.facts import fact_titles
from dossier.model import Citation, Document, Material, Pack, Rule, Section, Stage


def _cites(cs: Iterable[Citation]) -> str:
    return "；".join(c.render() for c in cs)


def _cond(pack: Pack, when: Any, text: str) -> str:
    if when is None and not text:
        return ""
    parts = []
    if when is not None:
        parts.append(describe(when, fact_titles(pack)))
    if text:
        parts.append(f"原文：{text}")
    return "；".join(parts)


def stage_documents(pack: Pack, stage: Stage) -> list[Document]:
    ids = [m.document for m in stage.materials if m.document]
    return [pack.document(i) for i in dict.fromkeys(ids)]


def section_json(pack: Pack, s: Section) -> dict[str, Any]:
    d: dict[str, Any] = {"id": s.id, "label": s.label, "title": s.title, "level": s.level}
    if s.when is not None or s.condition_text:
        d["condition"] = _cond(pack, s.when, s.condition_text)
    d["citations"] = [c.as_dict() for c in s.citations]
    if s.children:
        d["children"] = [section_json(pack, c) for c in s.children]
    return d


def material_json(pack: Pack, m: Material) -> dict[str, Any]:
    d: dict[str, Any] = {"id": m.id, "title": m.title}
    if m.document:
        d["document"] = m.document
    d["required"] = "always" if m.when is None else _cond(pack, m.when, m.condition_text)
    if m.verify == "manual":
        d["verify"] = "manual"
    d["citations"] = [c.as_dict() for c in m.citations]
    return d


def rule_json(pack: Pack, r: Rule) -> dict[str, Any]:
    d: dict[str, Any] = {"id": r.id, "kind": r.kind, "title": r.title}
    if r.when is not None:
        d["when"] = describe(r.when, fact_titles(pack))
    d["citations"] = [c.as_dict() for c in r.citations]
    return d


def pack_json(pack: Pack, stage_id: str | None) -> dict[str, Any]:
    stages = [pack.stage(stage_id)] if stage_id else list(pack.stages)
    return {
        "pack": {"id": pack.id, "version": pack.version, "title": pack.title, "jurisdiction": pack.jurisdiction},
        "sources": [
            {"id": s.id, "short": s.short, "title": s.title, "number": s.number, "issuer": s.issuer,
             "issued": s.issued, "effective": s.effective}
            for s in pack.sources
        ],
        "stages": [
            {
                "id": st.id,
                "title": st.title,
                "citations": [c.as_dict() for c in st.citations],
                "documents": [
                    {"id": d.id, "title": d.title, "kind": d.kind, "outline": d.outline,
                     "sections": [section_json(pack, s) for s in d.sections]}
                    for d in stage_documents(pack, st)
                ],
                "materials": [material_json(pack, m) for m in st.materials],
                "rules": [rule_json(pack, r) for r in pack.rules_for(st.id)],
            }
            for st in stages
        ],
    }


def _outline_lines(pack: Pack, sections: Iterable[Section], md: bool) -> list[str]:
    lines = []
    for s in sections:
        for _, sec in s.walk():
            indent = "  " * (sec.level - 1)
            cond = _cond(pack, sec.when, sec.condition_text)
            tail = f"  〔条件：{cond}〕" if cond else ""
            label = f"{sec.label} " if sec.label else ""
            bullet = "- " if md else ""
            lines.append(f"{indent}{bullet}{label}{sec.title}{tail}")
    return lines


def render(pack: Pack, stage_id: str | None, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(pack_json(pack, stage_id), ensure_ascii=False, indent=2)
    md = fmt == "md"
    stages = [pack.stage(stage_id)] if stage_id else list(pack.stages)
    out: list[str] = []
    h1, h2, h3 = ("# ", "## ", "### ") if md else ("", "== ", "-- ")
    src = pack.sources[0]
    out.append(f"{h1}{pack.title}（{pack.id} {pack.version}）")
    meta = "，".join(p for p in (src.number, src.issuer, src.issued and f"{src.issued} 印发",
                                 src.effective and f"{src.effective} 施行") if p)
    out.append(meta)
    out.append("阶段：" + "、".join(f"{s.title}（{s.id}）" for s in pack.stages))
    for st in stages:
        out.append("")
        out.append(f"{h2}阶段 {st.title}（{st.id}） — {_cites(st.citations)}")
        for d in stage_documents(pack, st):
            out.append("")
            kind = {"report": "编制大纲", "form": "表单", "table": "表格"}[d.kind]
            partial = "（只列出规定必须包含的章节）" if d.outline == "partial" else ""
            out.append(f"{h3}{d.title}（{d.id}，{kind}{partial}） — {_cites(d.citations)}")
            if md:
                out.append("")
            out += _outline_lines(pack, d.sections, md)
        out.append("")
        out.append(f"{h3}材料清单（{len(st.materials)} 项）")
        if md:
            out.append("")
        for i, m in enumerate(st.materials, 1):
            cond = _cond(pack, m.when, m.condition_text) or "必须提交"
            manual = "；需人工核验" if m.verify == "manual" else ""
            bullet = "- " if md else ""
            out.append(f"{bullet}{i:>2}. {m.title} 〔{cond}{manual}〕 — {_cites(m.citations)}")
        rules = pack.rules_for(st.id)
        if rules:
            out.append("")
            out.append(f"{h3}规则（{len(rules)} 条）")
            if md:
                out.append("")
            for r in rules:
                bullet = "- " if md else ""
                out.append(f"{bullet}[{r.kind}] {r.title} — {_cites(r.citations)}")
    return "\n".join(out) + "\n"
