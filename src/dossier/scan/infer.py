"""Jurisdiction and stage from the documents present, when neither is given.

Both reuse the engine's classifier (`classify` over `evidence_for`), so a file counts for a
material here exactly when `dossier check` would assign it. A tie is not guessed: the
caller reports the dossier as needing --jurisdiction / --stage.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from dossier.check.classify import Evidence, classify
from dossier.check.normalise import key
from dossier.model import Pack, Stage

_UNIT = re.compile(r"[^省市区县州盟旗]+(?:自治区|自治州|自治县|省|市|区|县|州|盟|旗)")


@dataclass(frozen=True)
class Inferred:
    value: str | None
    reason: str


def place_names(pack: Pack) -> tuple[str, ...]:
    """The pack's own place: the last administrative unit of its jurisdiction, with and without
    its suffix (重庆市永川区 → 永川区, 永川)."""
    units = _UNIT.findall(pack.jurisdiction) or [pack.jurisdiction]
    last = units[-1]
    bare = re.sub(r"(自治区|自治州|自治县|省|市|区|县|州|盟|旗)$", "", last)
    return tuple(n for n in dict.fromkeys((last, bare)) if len(n) >= 2)


def _text(ev: Evidence) -> str:
    return f"{ev.name}\n{ev.title}\n{ev.first_page}"


def stage_hits(pack: Pack, stage: Stage, evidence: Sequence[Evidence]) -> int:
    """How many of the stage's materials some file is classified as."""
    found = set()
    for ev in evidence:
        c = classify(pack, stage, ev)
        if c.material is not None:
            found.add(c.material.id)
    return len(found)


def infer_jurisdiction(packs: Sequence[Pack], evidence: Sequence[Evidence]) -> Inferred:
    """The pack whose place the files name most; then whose document titles they carry; then
    whose materials they match. None when nothing matches or the best two tie."""
    scored = []
    for pack in packs:
        names = place_names(pack)
        places = sum(1 for ev in evidence if any(n in _text(ev) for n in names))
        titles = {key(t) for d in pack.documents for t in (d.title, *d.aliases) if len(key(t)) >= 6}
        exact = sum(1 for ev in evidence if key(ev.title) in titles or key(ev.name.split("/")[-1]) in titles)
        materials = max((stage_hits(pack, s, evidence) for s in pack.stages), default=0)
        scored.append(((places, exact, materials), pack.id))
    scored.sort(key=lambda t: t[0], reverse=True)
    if not scored or scored[0][0] == (0, 0, 0):
        return Inferred(None, "no pack's place or documents found among the files")
    if len(scored) > 1 and scored[0][0] == scored[1][0]:
        tied = ", ".join(pid for s, pid in scored if s == scored[0][0])
        return Inferred(None, f"files fit {tied} equally")
    (places, exact, materials), pid = scored[0]
    return Inferred(pid, f"inferred: {places} file(s) name the place, {exact} document title(s), {materials} material(s)")


def infer_stage(pack: Pack, evidence: Sequence[Evidence]) -> Inferred:
    """The stage most of whose materials are present (count, then share of the stage's list)."""
    scored = []
    for i, stage in enumerate(pack.stages):
        hits = stage_hits(pack, stage, evidence)
        share = hits / len(stage.materials) if stage.materials else 0.0
        scored.append(((hits, share), i, stage.id))
    scored.sort(key=lambda t: (t[0], -t[1]), reverse=True)
    if not scored or scored[0][0][0] == 0:
        return Inferred(None, f"no material of any {pack.id} stage found among the files")
    if len(scored) > 1 and scored[0][0] == scored[1][0]:
        tied = ", ".join(sid for s, _, sid in scored if s == scored[0][0])
        return Inferred(None, f"files fit stages {tied} equally")
    (hits, _share), _, sid = scored[0]
    return Inferred(sid, f"inferred: {hits} of {len(pack.stage(sid).materials)} materials present")
