"""Every packaged pack validates, cites and quotes its seed verbatim.

The tests run over every pack found (`pack_ids()`), not a fixed list, so a new pack cannot
escape them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dossier.model import Citation, Pack
from dossier.packs import JURISDICTIONS, load_pack, pack_ids


def _squash(text: str) -> str:
    # Seeds wrap and space text arbitrarily (第一章  总  则); compare without whitespace.
    return re.sub(r"\s+", "", text)


def all_citations(pack: Pack) -> list[tuple[str, Citation]]:
    out: list[tuple[str, Citation]] = []
    for st in pack.stages:
        out += [(f"stage {st.id}", c) for c in st.citations]
        for m in st.materials:
            out += [(f"material {st.id}/{m.id}", c) for c in m.citations]
    for d in pack.documents:
        out += [(f"document {d.id}", c) for c in d.citations]
        for path, s in d.walk():
            out += [(f"section {d.id}/{s.id} {'/'.join(path)}", c) for c in s.citations]
    for r in pack.rules:
        out += [(f"rule {r.id}", c) for c in r.citations]
    return out


PACKS = pack_ids()


def test_all_five_jurisdictions_are_packaged() -> None:
    assert set(JURISDICTIONS) <= set(PACKS)


@pytest.mark.parametrize("pack_id", PACKS)
def test_rules_name_known_stages_and_kinds(pack_id: str) -> None:
    from dossier.check.kinds import unknown_kinds

    pack = load_pack(pack_id)
    stages = {s.id for s in pack.stages} | {"*"}
    for r in pack.rules:
        assert set(r.stages) <= stages, r.id
        assert r.citations, r.id
    for st in pack.stages:
        for m in st.materials:
            if m.document:
                pack.document(m.document)  # a material's outline exists
    assert unknown_kinds(pack) == []


@pytest.mark.parametrize("pack_id", PACKS)
def test_pack_loads_and_everything_cites(pack_id: str) -> None:
    pack = load_pack(pack_id)
    assert pack.stages, "a pack declares at least one stage"
    for st in pack.stages:
        assert st.citations
        for m in st.materials:
            assert m.citations, f"material {m.id} has no citation"
    for d in pack.documents:
        for _, s in d.walk():
            assert s.citations, f"section {d.id}/{s.id} has no citation"
    for r in pack.rules:
        assert r.citations, f"rule {r.id} has no citation"


@pytest.mark.parametrize("pack_id", PACKS)
def test_every_quote_is_verbatim_in_the_seed(pack_id: str, seeds: Path) -> None:
    pack = load_pack(pack_id)
    texts = {}
    for src in pack.sources:
        assert src.seed, f"source {src.id} names no seed file"
        texts[src.id] = _squash((seeds / src.seed).read_text(encoding="utf-8"))
    bad = [
        f"{where}: {c.render()} «{c.quote}»"
        for where, c in all_citations(pack)
        if _squash(c.quote) not in texts[c.source]
    ]
    assert not bad, "quotes not found verbatim in the seed:\n" + "\n".join(bad[:40])


@pytest.mark.parametrize("pack_id", PACKS)
def test_articles_named_in_citations_exist_in_the_seed(pack_id: str, seeds: Path) -> None:
    pack = load_pack(pack_id)
    texts = {s.id: _squash((seeds / s.seed).read_text(encoding="utf-8")) for s in pack.sources}
    missing = sorted(
        {c.render() for _, c in all_citations(pack) if _squash(c.article) not in texts[c.source]}
    )
    assert not missing, f"articles not in the seed: {missing}"


@pytest.mark.parametrize("pack_id", PACKS)
def test_ids_are_slugs_not_article_numbers(pack_id: str) -> None:
    pack = load_pack(pack_id)
    ids = [r.id for r in pack.rules] + [m.id for st in pack.stages for m in st.materials]
    ids += [s.id for d in pack.documents for _, s in d.walk()]
    for i in ids:
        assert re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)*", i), i
        assert not re.search(r"article|\bdi-?\d|tiao", i), f"id derived from an article number: {i}"
