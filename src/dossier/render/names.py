"""Chinese names a reader expects instead of ids: jurisdictions (重庆市永川区), stages
(终验投用), dates (2026年12月1日). Names come from the installed packs; an id no pack
knows (a custom pack, a report from a newer version) prints as itself."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from functools import cache
from typing import Any

from dossier.errors import DossierError


@cache
def _pack_names(pack_id: str) -> tuple[str, dict[str, str]] | None:
    from dossier.packs import load_pack, pack_ids

    if pack_id not in pack_ids():
        return None
    try:
        pack = load_pack(pack_id)
    except DossierError:
        return None
    return pack.jurisdiction, {s.id: s.title for s in pack.stages}


def jurisdiction_name(jurisdiction: str) -> str:
    """重庆市永川区 for yongchuan; the id itself when no installed pack has it."""
    names = _pack_names(jurisdiction)
    return names[0] if names and names[0] else jurisdiction


def stage_name(jurisdiction: str, stage: str) -> str:
    names = _pack_names(jurisdiction)
    return (names[1].get(stage) if names else None) or stage


def report_jurisdiction(report: Mapping[str, Any]) -> str:
    """The report's jurisdiction in Chinese (a `jurisdiction_name` field wins when present)."""
    given = report.get("jurisdiction_name")
    if isinstance(given, str) and given:
        return given
    return jurisdiction_name(str(report.get("jurisdiction") or (report.get("pack") or {}).get("id") or ""))


def cn_date(iso: str | date) -> str:
    """2026-12-01 → 2026年12月1日 (GB/T 9704 成文日期: Arabic numerals, no leading zeros)."""
    d = iso if isinstance(iso, date) else date.fromisoformat(str(iso))
    return f"{d.year}年{d.month}月{d.day}日"


def choices() -> list[dict[str, Any]]:
    """Every installed jurisdiction with its stages, for pickers (the web page)."""
    from dossier.packs import pack_ids

    out = []
    for pid in pack_ids():
        names = _pack_names(pid)
        if names is None:
            continue
        out.append({"id": pid, "name": names[0] or pid,
                    "stages": [{"id": sid, "name": title} for sid, title in names[1].items()]})
    return out
