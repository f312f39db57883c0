"""Renderers of the check report, fed with small report dicts built inline (validated
against schemas/report.schema.json first, so the fixtures cannot drift from the contract)."""

from __future__ import annotations

import copy
import io
import json
import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import docx
import jsonschema
import openpyxl
import pytest

from dossier.render import FORMATS, render, write_reports
from dossier.resources import schema

YC = {"source": "永川办法", "article": "第十五条", "text": "永川办法 第十五条"}
YC_QUOTE = {**YC, "quote": "项目终验投用申请应提交项目建设报告、项目监理报告"}
ANNEX = {"source": "永川办法", "article": "附件4", "text": "永川办法 附件4"}


def base(**over: Any) -> dict[str, Any]:
    report: dict[str, Any] = {
        "tool": {"name": "dossier", "version": "0.1.0"},
        "pack": {"id": "yongchuan", "version": "1.0.0", "title": "永川区政务信息化项目管理暂行办法"},
        "jurisdiction": "yongchuan",
        "stage": "final-acceptance",
        "stage_title": "终验投用",
        "as_of": "2024-06-30",
        "input": "samples/智慧城管平台.zip",
        "facts": {"project_name": {"value": "永川区智慧城管平台建设项目", "source": "given"}},
        "documents": [],
        "materials": [],
        "findings": [],
        "summary": {"errors": 0, "warnings": 0, "info": 0},
    }
    report.update(over)
    return report


def sec(sid: str, path: list[str], status: str, **extra: Any) -> dict[str, Any]:
    return {"id": sid, "path": path, "title": path[-1], "status": status, **extra}


def clean_report() -> dict[str, Any]:
    return base(
        documents=[{"path": "终验投用申请书.docx", "type": "final-acceptance-application", "title": "终验投用申请书",
                    "sections": [sec("faa.overview", ["项目概况"], "present",
                                     matched={"title": "项目概况", "label": "一、", "score": 100.0}),
                                 sec("faa.overview.unit", ["项目概况", "建设单位"], "present")]}],
        materials=[{"id": "construction-report", "title": "项目建设报告", "status": "present",
                    "files": ["项目建设报告.pdf"], "citations": [YC]}],
    )


def finding(code: str, severity: str, message: str, requirement: str, citations: list[dict[str, str]],
            **loc: Any) -> dict[str, Any]:
    return {"code": code, "severity": severity, "message": message, "requirement": requirement,
            "citations": citations, "location": loc}


def full_report() -> dict[str, Any]:
    findings = [
        finding("DOS-S001", "error", "《终验投用申请书》缺少章节“项目文档清单”", "faa.documents", [ANNEX],
                file="终验投用申请书.docx", document="final-acceptance-application"),
        finding("DOS-S002", "error", "《初验报告》章节“测试情况”没有内容", "par.tests", [ANNEX],
                file="初验报告.pdf", document="preliminary-acceptance-report", section="测试情况", page=4),
        finding("DOS-M001", "error", "缺少材料“项目监理报告”", "supervision-report", [YC_QUOTE]),
        finding("DOS-S003", "warning", "《初验报告》章节“经济效益”匹配不确定（经济效益分析 / 社会效益分析）",
                "par.benefit", [ANNEX], file="初验报告.pdf", document="preliminary-acceptance-report",
                section="效益分析", paragraph=11),
        finding("DOS-R002", "error", "试运行期：不足1个月", "trial-run-window", [YC]),
        finding("DOS-M002", "info", "材料“档案验收意见”需人工确认（印章无法从文件核验）", "archive-acceptance", [YC]),
        finding("DOS-M004", "info", "其他/照片001.jpg：未能识别为本阶段的任何材料", "", [], file="其他/照片001.jpg"),
    ]
    return base(
        files=[{"path": "终验投用申请书.docx", "status": "parsed", "document": "final-acceptance-application"},
               {"path": "初验报告.pdf", "status": "parsed", "document": "preliminary-acceptance-report", "pages": 12}],
        documents=[
            {"path": "终验投用申请书.docx", "type": "final-acceptance-application", "title": "终验投用申请书",
             "sections": [sec("faa.overview", ["项目概况"], "present"),
                          sec("faa.documents", ["项目文档清单"], "missing"),
                          sec("faa.supervision", ["项目监理情况"], "not-required")]},
            {"path": "初验报告.pdf", "type": "preliminary-acceptance-report", "title": "初验报告",
             "sections": [sec("par.basis", ["验收依据"], "present"),
                          sec("par.tests", ["验收情况", "测试情况"], "empty"),
                          sec("par.benefit", ["验收情况", "经济效益"], "manual-review",
                              matched={"title": "效益分析", "label": "5.", "score": 71.0})]},
        ],
        materials=[
            {"id": "construction-report", "title": "项目建设报告", "status": "present",
             "files": ["项目建设报告.pdf", "附件/建设报告附表.xlsx"], "citations": [YC]},
            {"id": "supervision-report", "title": "项目监理报告", "status": "missing", "files": [],
             "citations": [YC_QUOTE]},
            {"id": "archive-acceptance", "title": "档案验收意见", "status": "manual-review",
             "files": ["档案验收.pdf"], "reason": "印章无法从文件核验", "citations": [YC]},
            {"id": "crypto-evaluation", "title": "密码应用安全性评估报告", "status": "not-required", "files": [],
             "reason": "facts: crypto = false", "citations": [YC]},
        ],
        findings=findings,
        summary={"errors": 4, "warnings": 1, "info": 2},
    )


HOSTILE_TITLE = "<script>alert('x')</script>|标题"
HOSTILE_MSG = "缺少章节“<img src=http://evil.example/x.png onerror=alert(1)>|A|B”\n# 不是标题"


def hostile_report() -> dict[str, Any]:
    return base(
        input="<b>bad</b>|input.zip",
        facts={"project_name": {"value": "<script>document.cookie</script>|项目", "source": "extracted",
                                "evidence": {"file": "a.docx", "text": "x"}}},
        pack={"id": "yongchuan", "version": "1.0.0", "title": "<i>pack</i>"},
        documents=[{"path": "a|b<script>.docx", "type": "basic-report", "title": HOSTILE_TITLE,
                    "sections": [sec("br.x", [HOSTILE_TITLE, "子节|<b>"], "missing")]}],
        materials=[{"id": "m1", "title": "=HYPERLINK(\"http://evil.example\",\"点我\")", "status": "missing",
                    "files": ["x|y.pdf"], "reason": "控制\x0b字符", "citations": [{**YC, "text": "办法|第一条"}]}],
        findings=[finding("DOS-S001", "error", HOSTILE_MSG, "br.x", [{**YC, "text": "<a href='http://e'>办法</a>"}],
                          file="a|b<script>.docx", document="basic-report", section="=1+1\x07")],
        summary={"errors": 1, "warnings": 0, "info": 0},
    )


REPORTS = {"clean": clean_report, "full": full_report, "hostile": hostile_report}
# For the docx/md grouping checks: finding message -> the group heading it must sit under.
FULL_GROUPS = {
    "《终验投用申请书》缺少章节“项目文档清单”": "《终验投用申请书》（终验投用申请书.docx）",
    "《初验报告》章节“测试情况”没有内容": "《初验报告》（初验报告.pdf）",
    "《初验报告》章节“经济效益”匹配不确定（经济效益分析 / 社会效益分析）": "《初验报告》（初验报告.pdf）",
    "缺少材料“项目监理报告”": "材料",
    "材料“档案验收意见”需人工确认（印章无法从文件核验）": "材料",
    "试运行期：不足1个月": "项目综合",
    "其他/照片001.jpg：未能识别为本阶段的任何材料": "其他/照片001.jpg",
}


@pytest.fixture(params=sorted(REPORTS))
def report(request: pytest.FixtureRequest) -> dict[str, Any]:
    r: dict[str, Any] = REPORTS[request.param]()
    jsonschema.Draft202012Validator(schema("report")).validate(r)
    return r


def test_fixtures_are_valid_reports() -> None:
    validator = jsonschema.Draft202012Validator(schema("report"))
    for make in REPORTS.values():
        validator.validate(make())
    assert {f["severity"] for f in full_report()["findings"]} == {"error", "warning", "info"}
    assert {m["status"] for m in full_report()["materials"]} == {"present", "missing", "not-required",
                                                                 "manual-review"}
    assert set(FULL_GROUPS) == {f["message"] for f in full_report()["findings"]}


def test_json_is_the_report() -> None:
    r = full_report()
    out = render(r, "json")
    assert out.endswith(b"}\n")
    assert json.loads(out) == r
    assert "缺少材料" in out.decode("utf-8")  # ensure_ascii=False


# PDF is LibreOffice's print of the DOCX (and carries its clock): tested on its own.
OFFLINE = tuple(f for f in FORMATS if f != "pdf")


def test_render_is_deterministic(report: dict[str, Any]) -> None:
    for fmt in OFFLINE:
        assert render(report, fmt) == render(copy.deepcopy(report), fmt), fmt


@pytest.mark.parametrize("fmt", ["docx", "xlsx"])
def test_office_files_carry_the_as_of_date_not_the_clock(fmt: str) -> None:
    data = render(full_report(), fmt)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert {i.date_time for i in z.infolist()} == {(2024, 6, 30, 0, 0, 0)}
        core = z.read("docProps/core.xml").decode("utf-8")
    stamps = re.findall(r"<dcterms:(created|modified)[^>]*>([^<]+)<", core)
    assert {k for k, _ in stamps} == {"created", "modified"}
    assert all(v.startswith("2024-06-30T00:00:00") for _, v in stamps), stamps


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="odt"):
        render(clean_report(), "odt")


# -- markdown ------------------------------------------------------------------------

def _cells(line: str) -> list[str]:
    """Split a Markdown table row on unescaped pipes."""
    return re.split(r"(?<!\\)\|", line.replace("\\\\", "\0"))[1:-1]


def test_md_lists_findings_citations_and_header() -> None:
    r = full_report()
    md = render(r, "md").decode("utf-8")
    for f in r["findings"]:
        assert f["message"] in md
        for c in f["citations"]:
            assert c["text"] in md
    for needle in ("yongchuan 1.0.0", "终验投用", "2024-06-30", "dossier 0.1.0", "samples/智慧城管平台.zip",
                   "永川区智慧城管平台建设项目", "❌ 缺失", "➖ 不要求", "🔍 需人工确认", "⭕ 内容为空",
                   "已具备章节 1 个", "facts: crypto = false"):
        assert needle in md, needle
    # Present sections are only counted; the others are listed with their path.
    assert "验收情况 › 测试情况" in md
    assert "| ✅ 已具备 |" not in md
    # Grouped by document: each message sits after its group heading and before the next one.
    headings = [(m.start(), m.group(1)) for m in re.finditer(r"^### (.+)$", md, re.M)]
    findings_at = md.index("## 问题清单")
    for msg, group in FULL_GROUPS.items():
        pos = md.index(msg, findings_at)
        current = [h for at, h in headings if at < pos][-1]
        assert current == group, (msg, current)


def test_md_tables_survive_pipes_and_newlines() -> None:
    md = render(hostile_report(), "md").decode("utf-8")
    lines = md.splitlines()
    separator = re.compile(r"\|(---\|)+")
    width = 0
    checked = 0
    for i, line in enumerate(lines):
        if not line.startswith("|") or separator.fullmatch(line):
            continue
        if i + 1 < len(lines) and separator.fullmatch(lines[i + 1]):
            width = lines[i + 1].count("---")  # a header row: its separator says how many columns
        assert len(_cells(line)) == width, line
        checked += 1
    assert checked >= 10
    assert "\\|A\\|B" in md
    # Markdown passes raw HTML through: submitted text must not become tags.
    assert "<script" not in md and "<img" not in md and "<b>" not in md
    assert "&lt;script\\>alert('x')&lt;/script\\>\\|标题" in md  # render.common.md_escape
    assert "\n# 不是标题" not in md


# -- html ------------------------------------------------------------------------------

class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _tags(page: str) -> list[tuple[str, dict[str, str | None]]]:
    p = _Tags()
    p.feed(page)
    return p.tags


def test_html_is_self_contained(report: dict[str, Any]) -> None:
    page = render(report, "html").decode("utf-8")
    tags = _tags(page)
    names = [t for t, _ in tags]
    assert "style" in names and "<style>" in page
    assert not {"link", "img", "iframe", "object", "embed", "a"} & set(names)
    # One inline script, our own (filter and sort): no report text inside it.
    from importlib import resources
    own = resources.files("dossier.templates").joinpath("report/tables.js").read_text(encoding="utf-8")
    scripts = re.findall(r"<script>(.*?)</script>", page, flags=re.S)
    assert names.count("script") == 1 and [s.strip() for s in scripts] == [own.strip()]
    for tag, attrs in tags:
        assert not {"src", "href"} & set(attrs), tag
        assert not any(a.startswith("on") for a in attrs), tag
    assert not re.search(r"url\(|@import|https?://", page.split("</style>")[0])


def test_html_escapes_submitted_text() -> None:
    page = render(hostile_report(), "html").decode("utf-8")
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;|标题" in page
    assert "&lt;img src=http://evil.example/x.png onerror=alert(1)&gt;" in page
    assert "&lt;a href=&#39;http://e&#39;&gt;办法&lt;/a&gt;" in page
    assert "&lt;script&gt;document.cookie&lt;/script&gt;" in page
    # Our own filter/sort script is the page's only script element; report text never opens one.
    assert page.count("<script") == 1 and page.count("<script>\n/* Inlined into the HTML report") == 1
    assert "<img" not in page and "<a " not in page and "<b>bad" not in page
    assert "&lt;b&gt;bad&lt;/b&gt;" in page


def test_html_shows_everything() -> None:
    r = full_report()
    page = render(r, "html").decode("utf-8")
    text = page.replace("&#34;", '"')
    for f in r["findings"]:
        assert f["message"] in text
        assert f["code"] in text
    for m in r["materials"]:
        assert m["title"] in text
        assert f"pill st-{m['status']}" in page
    assert page.count('<details class="doc"') == len(r["documents"])
    for status in ("missing", "empty", "manual-review", "not-required"):
        assert f"st-{status}" in page
    assert re.search(r'badge sev-error[^"]*"><b>4</b>错误', page)
    assert "初验报告.pdf › 效益分析 › 第12段" in page  # paragraph 11 (0-based) shown 1-based
    # 测试情况 nests under 验收情况, whose collapsed node still shows its worst child.
    tree = page[page.index("验收依据"):]
    assert tree.index("验收情况") < tree.index("测试情况")
    assert re.search(r'<span class="dot st-missing"></span><span class="stitle">验收情况', page) is None
    assert re.search(r'<span class="dot st-empty"></span><span class="stitle">验收情况', page)


def test_html_clean_report_says_so() -> None:
    page = render(clean_report(), "html").decode("utf-8")
    assert "未发现问题" in page and "未发现错误或警告" in page


# -- docx ------------------------------------------------------------------------------

def _docx_groups(data: bytes) -> tuple[str, dict[str, str], list[str]]:
    d = docx.Document(io.BytesIO(data))
    current = ""
    under: dict[str, str] = {}
    texts = []
    for p in d.paragraphs:
        texts.append(p.text)
        if p.style is not None and p.style.name == "Heading 2":
            current = re.sub(r"^（[一二三四五六七八九十]+）", "", p.text)
        elif p.style is not None and p.style.name == "Heading 1":
            current = ""
        elif current:
            under[p.text] = current
    return d.paragraphs[0].text, under, texts


def test_docx_groups_findings_by_document() -> None:
    r = full_report()
    title, under, texts = _docx_groups(render(r, "docx"))
    assert title == "关于永川区智慧城管平台建设项目终验投用材料的审查意见"
    for msg, group in FULL_GROUPS.items():
        owners = [g for t, g in under.items() if msg in t]
        assert owners == [group], (msg, owners)
    body = "\n".join(texts)
    assert "依据：永川办法 第十五条（“项目终验投用申请应提交项目建设报告、项目监理报告”）。" in body
    assert "位置：初验报告.pdf › 测试情况 › 第4页。" in body
    assert "共发现问题7项，其中错误4项、警告1项、提示2项。" in body
    assert "整改要求：补充提交该材料；文件名中写明材料名称，便于识别。" in body
    assert "所属地区：重庆市永川区" in body
    assert "dossier" not in body  # no tool banner in the body
    numbers = [int(m.group(1)) for t in texts if (m := re.match(r"(\d+)\.【", t))]
    assert numbers == list(range(1, len(r["findings"]) + 1))


def test_docx_materials_table_and_fonts() -> None:
    r = full_report()
    data = render(r, "docx")
    d = docx.Document(io.BytesIO(data))
    table = d.tables[0]
    assert [c.text for c in table.rows[0].cells] == ["序号", "材料", "状态", "文件", "依据"]
    assert [row.cells[1].text for row in table.rows[1:]] == [m["title"] for m in r["materials"]]
    assert table.rows[4].cells[2].text == "不要求（facts: crypto = false）"
    styles = zipfile.ZipFile(io.BytesIO(data)).read("word/styles.xml").decode("utf-8")
    assert 'w:eastAsia="仿宋_GB2312"' in styles and 'w:eastAsia="黑体"' in styles
    assert 'w:eastAsia="楷体_GB2312"' in styles


def test_docx_title_falls_back_to_input_and_survives_hostile_text() -> None:
    r = clean_report()
    del r["facts"]
    title, _, _ = _docx_groups(render(r, "docx"))
    assert title == "关于智慧城管平台终验投用材料的审查意见"
    h = hostile_report()
    title, under, texts = _docx_groups(render(h, "docx"))
    assert title.startswith("关于<script>document.cookie</script>|项目")
    assert any(t.startswith("1.【错误】缺少章节“<img src=") for t in under)
    assert f"《{HOSTILE_TITLE}》（a|b<script>.docx）" in under.values()


# -- xlsx ------------------------------------------------------------------------------

def test_xlsx_one_row_per_finding() -> None:
    r = full_report()
    wb = openpyxl.load_workbook(io.BytesIO(render(r, "xlsx")))
    assert wb.sheetnames == ["问题清单", "材料", "章节", "概况"]
    ws = wb["问题清单"]
    head = [c.value for c in ws[1]]
    rows = [dict(zip(head, (c.value for c in row), strict=True)) for row in ws.iter_rows(min_row=2)]
    assert len(rows) == len(r["findings"])
    assert [(x["代码"], x["要求"] or "") for x in rows] == [(f["code"], f["requirement"]) for f in r["findings"]]
    assert [x["问题"] for x in rows] == [f["message"] for f in r["findings"]]
    assert rows[1]["页"] == 4 and rows[3]["段"] == 12 and rows[0]["级别"] == "错误"
    assert rows[2]["依据"] == "永川办法 第十五条"
    assert all(c.font.bold for c in ws[1])
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == f"A1:M{len(rows) + 1}"
    assert 6 <= ws.column_dimensions["E"].width <= 60

    mats = list(wb["材料"].iter_rows(min_row=2, values_only=True))
    assert [m[2] for m in mats] == [m["title"] for m in r["materials"]]
    assert [m[3] for m in mats] == ["已提供", "缺失", "需人工确认", "不要求"]
    sections = list(wb["章节"].iter_rows(min_row=2, values_only=True))
    assert len(sections) == sum(len(d["sections"]) for d in r["documents"])
    assert ("初验报告", "初验报告.pdf", "par.tests", "验收情况 › 测试情况", "内容为空", None, None) in sections
    facts = dict(wb["概况"].iter_rows(min_row=2, values_only=True))
    assert facts["审查日期"] == "2024-06-30" and facts["问题：错误"] == 4 and facts["材料：缺失"] == 1
    assert facts["规则包"].startswith("yongchuan 1.0.0")


def test_xlsx_keeps_hostile_text_as_text() -> None:
    h = hostile_report()
    wb = openpyxl.load_workbook(io.BytesIO(render(h, "xlsx")))
    title = wb["材料"]["C2"]
    assert title.data_type == "s" and title.value == h["materials"][0]["title"]
    assert wb["材料"]["F2"].value == "控制字符"
    assert wb["问题清单"]["H2"].value == "=1+1" and wb["问题清单"]["H2"].data_type == "s"
    assert wb["问题清单"]["E2"].value == HOSTILE_MSG


def test_xlsx_clean_report_has_header_only() -> None:
    wb = openpyxl.load_workbook(io.BytesIO(render(clean_report(), "xlsx")))
    assert wb["问题清单"].max_row == 1


# -- write_reports --------------------------------------------------------------------

def test_write_reports_several_formats_into_a_directory(tmp_path: Path) -> None:
    r = full_report()
    out = tmp_path / "out" / "reports"
    written = write_reports(r, list(OFFLINE), out)
    assert written == [out / f"report.{ext}" for ext in ("json", "md", "html", "docx", "xlsx")]
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == [
        "out", "out/reports", *(f"out/reports/report.{e}" for e in sorted(OFFLINE))]
    for p in written:
        assert p.read_bytes() == render(r, p.suffix[1:])


def test_write_reports_one_format_writes_exactly_there(tmp_path: Path) -> None:
    target = tmp_path / "a" / "审查意见.docx"
    assert write_reports(full_report(), ["docx"], target) == [target]
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == ["a", "a/审查意见.docx"]
    assert target.read_bytes() == render(full_report(), "docx")


def test_write_reports_refuses_bad_requests(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        write_reports(clean_report(), ["json", "odt"], tmp_path / "x")
    with pytest.raises(ValueError):
        write_reports(clean_report(), [], tmp_path / "x")
    (tmp_path / "file").write_text("keep")
    with pytest.raises(ValueError):
        write_reports(clean_report(), ["json", "md"], tmp_path / "file")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]
    assert (tmp_path / "file").read_text() == "keep"
