"""A material's verdict: present, missing, not required or for a person to confirm.

Materials made of parts (青浦 第二十三条(五): three test reports) are present only when every
required part is; a file of a merged document (武汉 第十条: one 项目实施方案 in place of 可研
and 初步设计) satisfies the materials it stands for; a file for a route the project may not
take (武汉 第十九条: a 20% change filed as the unit's own adjustment) is a violation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from dossier.check.rules import Gap
from dossier.conditions import describe, evaluate
from dossier.model import Material, Part, Stage
from dossier.tree import DocumentTree


class FileLike(Protocol):
    @property
    def display(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def tree(self) -> DocumentTree | None: ...


@dataclass
class Verdict:
    entry: dict[str, Any]
    gaps: list[Gap] = field(default_factory=list)


def _when_text(m: Material | Part, titles: Mapping[str, str]) -> str:
    return m.condition_text or describe(m.when, titles)


def material_verdict(
    m: Material, files: Sequence[FileLike], facts: Mapping[str, Any], titles: Mapping[str, str],
    stand_ins: Sequence[str] = (), pool: Sequence[FileLike] = (), right_route_shown: bool = False,
    alternative: str = "",
) -> Verdict:
    """The verdict on one material from the files classified as it (best first), the files of
    merged documents that stand in for it, and (for a material made of parts) the pool of all
    readable files, where each part is looked for by its own name."""
    real = [p for p in files if p.status != "placeholder"]
    if m.parts and not real:
        real = [p for p in pool if any(part_files(part, [p]) for part in m.parts)]
    placeholder = bool(files) and not real
    needed = evaluate(m.when, facts)
    gaps: list[Gap] = []
    reason = ""
    if needed is False:
        status = "not-required"
        reason = f"不适用：{_when_text(m, titles)}"
        if m.wrong_route and real and not right_route_shown:
            gaps.append(Gap("DOS-R001", m.id, {"title": m.title, "reason": m.wrong_route}, file=real[0].display))
    elif m.verify == "manual" and not real:
        status = "manual-review"
        reason = "文件无法证明，需人工核验" + (f"：{m.condition_text}" if m.condition_text else "") + \
            f"；请提供“{m.title}”或确认已办理"
        gaps.append(Gap("DOS-M002", m.id, {"title": m.title, "reason": reason}))
    elif m.verify == "manual":
        status = "manual-review"
        reason = f"已见文件 {real[0].display}，其效力（签章、批准）需人工核验"
        gaps.append(Gap("DOS-M002", m.id, {"title": m.title, "reason": reason}, file=real[0].display))
    elif alternative and not real and not stand_ins:
        status = "not-required"
        reason = f"已提交 {alternative}（分环节报批，不同时要求）"
    elif real or stand_ins:
        status = "present"
        if stand_ins and not real:
            reason = f"由合并编制的 {stand_ins[0]} 代替"
    elif placeholder:
        status = "missing"
        gaps.append(Gap("DOS-M003", m.id, {"title": m.title, "file": files[0].display}, file=files[0].display))
    elif needed is None:
        status = "manual-review"
        reason = f"是否需要取决于：{_when_text(m, titles)}；请在事实中说明，或提供该材料"
        gaps.append(Gap("DOS-M002", m.id, {"title": m.title, "reason": reason}))
    else:
        status = "missing"
        gaps.append(Gap("DOS-M001", m.id, {"title": m.title, "reason": _supply(m)}))
    entry: dict[str, Any] = {"id": m.id, "title": m.title, "status": status, "files": [p.display for p in files],
                             "citations": [c.as_dict() for c in m.citations]}
    if m.parts and status == "present":
        parts, part_gaps = _parts(m, [*real, *(p for p in pool if p not in real)], facts, titles)
        entry["parts"] = parts
        gaps += part_gaps
        if any(p["status"] == "missing" for p in parts):
            entry["status"] = status = "missing"
    if placeholder:
        entry["placeholder"] = True
    if reason:
        entry["reason"] = reason
    return Verdict(entry, gaps)


def _supply(m: Material) -> str:
    """What settles a missing material: the file, and for a conditional one the condition to check."""
    if m.condition_text:
        return f"适用条件：{m.condition_text}；请补充该材料，或在事实中说明不符合该条件"
    return "请补充该材料（文件名或标题写明材料名称）"


def _part_names(p: Part) -> list[str]:
    from dossier.check.normalise import key  # with the classifier: see engine._classified

    return [k for k in (key(x) for x in (p.title, *p.aliases, *p.keywords)) if len(k) >= 2]


def part_files(p: Part, files: Sequence[FileLike]) -> list[str]:
    """Files whose name or title names the part (a combined file naming several parts counts for each)."""
    from dossier.check.classify import evidence_for
    from dossier.check.normalise import key

    names = _part_names(p)
    out = []
    for f in files:
        ev = evidence_for(f.display, f.tree)
        text = key(ev.name.split("/")[-1]) + "\n" + key(ev.title)
        if any(n in text for n in names):
            out.append(f.display)
    return out


def _parts(m: Material, files: Sequence[FileLike], facts: Mapping[str, Any],
           titles: Mapping[str, str]) -> tuple[list[dict[str, Any]], list[Gap]]:
    out: list[dict[str, Any]] = []
    gaps: list[Gap] = []
    found = {p.id: part_files(p, files) for p in m.parts}
    # A file that names no part at all (“测评报告汇编”) may hold them all: a person confirms,
    # the checker does not call them missing.
    undecidable = not any(found.values())
    for p in m.parts:
        needed = evaluate(p.when, facts)
        hits = found[p.id]
        entry: dict[str, Any] = {"id": p.id, "title": p.title, "files": hits}
        label = f"{m.title}：{p.title}"
        if hits:
            entry["status"] = "present"
        elif needed is False:
            entry["status"] = "not-required"
            entry["reason"] = f"不适用：{_when_text(p, titles)}"
        elif needed is None or undecidable:
            entry["status"] = "manual-review"
            entry["reason"] = (f"{'、'.join(f.display for f in files[:1])} 未写明是否包含{p.title}，请确认" if undecidable
                               else f"是否需要取决于：{_when_text(p, titles)}；请在事实中说明，或提供{p.title}")
            gaps.append(Gap("DOS-M002", m.id, {"title": label, "reason": entry["reason"]}, section=p.title))
        else:
            entry["status"] = "missing"
            gaps.append(Gap("DOS-M001", m.id, {"title": label, "reason": f"请补充{p.title}"}, section=p.title))
        out.append(entry)
    return out, gaps


def merged_stand_ins(stage: Stage, by_material: Mapping[str, Sequence[FileLike]]) -> dict[str, list[str]]:
    """For each material, the files of merged documents in the stage that satisfy it too."""
    out: dict[str, list[str]] = {}
    for m in stage.materials:
        files = [p.display for p in by_material.get(m.id, ()) if p.status != "placeholder"]
        for other in m.satisfies:
            out.setdefault(other, []).extend(files)
    return {k: v for k, v in out.items() if v}


def right_route_shown(stage: Stage, m: Material, by_material: Mapping[str, Sequence[FileLike]],
                      facts: Mapping[str, Any]) -> bool:
    """Whether a conditional material of the stage that does apply has a file: then a file for
    a route not taken is a leftover, not the route the project took."""
    return any(o is not m and o.when is not None and evaluate(o.when, facts) is True
               and any(p.status != "placeholder" for p in by_material.get(o.id, ()))
               for o in stage.materials)


def alternative_file(m: Material, by_material: Mapping[str, Sequence[FileLike]]) -> str:
    """The first file of one of the material's alternatives, or ''."""
    for other in m.alternatives:
        for p in by_material.get(other, ()):
            if p.status != "placeholder":
                return p.display
    return ""
