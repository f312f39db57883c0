"""Real OFD files from public repositories (ofdrw's test resources: invoices, 公文 with seals,
the standard's own pages, odd namespaces and paths). They are not committed (workplace
rule): tests/formats/real_ofd_manifest.json lists them (repo, commit, path, licence, sha256);
put them in .cache/ofd-samples/ to run this test, which is skipped otherwise."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from dossier.parse.ofd import SEAL_PREFIX, parse_ofd_documents

REPO = Path(__file__).resolve().parents[2]
CACHE = REPO / ".cache" / "ofd-samples"
MANIFEST = json.loads((Path(__file__).with_name("real_ofd_manifest.json")).read_text(encoding="utf-8"))
pytestmark = pytest.mark.skipif(not CACHE.is_dir(), reason="real OFD samples not in .cache/ofd-samples")


@pytest.mark.parametrize("entry", MANIFEST["files"], ids=lambda e: e["file"])
def test_real_ofd(entry: dict) -> None:
    path = CACHE / entry["file"]
    if not path.is_file():
        pytest.skip(f"{entry['file']} not in the cache")
    assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"]
    docs = parse_ofd_documents(path, ocr=False)
    text = "\n".join(d.full_text() for d in docs)
    want = entry["expect"]
    if want["contains"]:
        assert want["contains"].replace(" ", "") in text.replace(" ", "")
    else:  # image-only: said so, not an empty document
        assert any(w.startswith("no-text-layer:") for d in docs for w in d.warnings)
    sealed = any(w.startswith(SEAL_PREFIX) for d in docs for w in d.warnings)
    assert sealed == want["seal"]
