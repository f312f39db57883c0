"""Chinese help: every finding code has a name, a meaning and a 如何整改, and the CLI
explains codes in Chinese first."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from dossier.cli import app
from dossier.codes import CODES
from dossier.codes_zh import HELP, settle_text

CJK = re.compile(r"[\u4e00-\u9fff]")


def test_every_code_has_chinese_help_and_nothing_else() -> None:
    assert set(HELP) == {c.code for c in CODES}
    for code, h in HELP.items():
        for text in (h.name, h.meaning, h.settle):
            assert text.strip() and CJK.search(text), (code, text)
    assert settle_text("DOS-Z999") == ""


def test_codes_explain_in_chinese() -> None:
    res = CliRunner().invoke(app, ["codes", "explain", "DOS-S001"])
    assert res.exit_code == 0
    lines = res.output.splitlines()
    assert lines[0] == "DOS-S001 缺少章节（missing-section）"
    assert "默认级别：错误" in lines
    assert any(line.startswith("如何整改：按编制大纲") for line in lines)
    res = CliRunner().invoke(app, ["codes", "list"])
    assert "缺少章节" in res.output and "默认级别" in res.output
