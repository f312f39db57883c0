"""The finding-code table: unique, documented, used, and every code is exercised by a test."""

from __future__ import annotations

import re
from pathlib import Path

from dossier.codes import BY_CODE, CODES, lookup, message

ROOT = Path(__file__).resolve().parents[2]


def test_codes_unique_and_documented() -> None:
    assert len({c.code for c in CODES}) == len(CODES)
    assert len({c.slug for c in CODES}) == len(CODES)
    for c in CODES:
        assert re.fullmatch(r"DOS-[A-Z]\d{3}", c.code)
        assert c.severity in ("error", "warning", "info")
        assert len(c.doc) > 30 and c.template


def test_every_code_is_emitted_by_the_source_and_named_in_a_test() -> None:
    src = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "src").rglob("*.py") if p.name != "codes.py")
    tests = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "tests").rglob("*.py") if p.name != "test_codes.py")
    unused = [c.code for c in CODES if c.code not in src]
    untested = [c.code for c in CODES if c.code not in tests]
    assert not unused, f"codes nothing emits: {unused}"
    assert not untested, f"codes no test names: {untested}"


def test_lookup_by_code_or_slug() -> None:
    assert lookup("dos-s001") is BY_CODE["DOS-S001"]
    assert lookup("missing-section") is BY_CODE["DOS-S001"]


def test_message_fills_template_and_drops_empty_brackets() -> None:
    assert message("DOS-S001", document="初验报告", title="项目概述") == "《初验报告》缺少章节“项目概述”"
    assert "（）" not in message("DOS-M002", title="档案验收")
