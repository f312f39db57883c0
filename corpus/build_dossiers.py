"""Build the end-to-end corpus dossiers from their spec files, deterministically.

    .venv/bin/python corpus/build_dossiers.py            # every corpus/dossiers/*/spec.yaml
    .venv/bin/python corpus/build_dossiers.py NAME ...   # only these

A spec (corpus/dossiers/<name>/spec.yaml) names a jurisdiction, a stage, the project
(a key into PROJECTS, so the 永川 lifecycle dossiers share one set of facts), the given
facts and the variations: dropped materials, decoys, per-material file name / format
(docx, pdf, doc, scan) / heading manner (styles, bold, toc) and dropped, renamed and
empty outline sections. The generator writes `files/` (or `dossier.zip`) and
`facts.yaml` beside the spec. Re-running gives byte-identical files: seeded RNG, fixed
document properties, fixed zip timestamps, and PDF dates / IDs overwritten in place.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import random
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from docx import Document as Docx
from docx.document import Document as DocxDocument
from docx.shared import Pt

from dossier.conditions import evaluate
from dossier.model import Document, Material, Pack
from dossier.packs import load_pack

ROOT = Path(__file__).resolve().parent / "dossiers"
FIXED = dt.datetime(2024, 1, 1, 8, 0, 0)
ZIP_TIME = (2024, 1, 1, 8, 0, 0)
FORMATS = ("docx", "pdf", "doc", "scan", "xlsx")
MANNERS = ("styles", "bold", "toc")


# -- the projects -------------------------------------------------------------------------


@dataclass(frozen=True)
class Project:
    name: str
    construction_unit: str
    contractor: str
    supervisor: str
    testing_agency: str
    tender_agent: str
    design_unit: str
    investment: Decimal  # 万元
    contract_amount: Decimal  # 万元
    approval_date: dt.date
    preliminary_acceptance_date: dt.date
    trial_run_start: dt.date
    trial_run_end: dt.date
    final_application_date: dt.date
    go_live_date: dt.date
    city: str
    system: str


PROJECTS: dict[str, Project] = {
    "yc-cityops": Project(
        name="永川区智慧城管平台建设项目", construction_unit="重庆市永川区城市管理局",
        contractor="重庆数智城科技有限公司", supervisor="重庆正信工程监理咨询有限公司",
        testing_agency="重庆信安软件测评中心有限公司", tender_agent="重庆永信招标代理有限公司",
        design_unit="重庆市信息通信咨询设计院有限公司", investment=Decimal("386.50"),
        contract_amount=Decimal("352.80"), approval_date=dt.date(2022, 8, 15),
        preliminary_acceptance_date=dt.date(2023, 5, 20), trial_run_start=dt.date(2023, 5, 22),
        trial_run_end=dt.date(2023, 9, 21), final_application_date=dt.date(2023, 10, 12),
        go_live_date=dt.date(2023, 11, 1), city="永川区", system="智慧城管平台"),
    "gz-hub": Project(
        name="广州市城市运行管理中枢（二期）建设项目", construction_unit="广州市政务服务数据管理局",
        contractor="广州穗云数字科技有限公司", supervisor="广东华南信息工程监理有限公司",
        testing_agency="广州赛宝软件测评中心", tender_agent="广州公共资源交易代理有限公司",
        design_unit="广东省电信规划设计院有限公司", investment=Decimal("1260.00"),
        contract_amount=Decimal("1085.60"), approval_date=dt.date(2022, 3, 18),
        preliminary_acceptance_date=dt.date(2023, 6, 8), trial_run_start=dt.date(2023, 2, 1),
        trial_run_end=dt.date(2023, 5, 31), final_application_date=dt.date(2023, 8, 25),
        go_live_date=dt.date(2023, 9, 1), city="广州市", system="城市运行管理中枢"),
    "wh-water": Project(
        name="武汉市智慧水务综合管理平台建设项目", construction_unit="武汉市水务局",
        contractor="武汉长江数字科技有限公司", supervisor="湖北楚天信息工程监理有限公司",
        testing_agency="湖北省软件测评中心", tender_agent="武汉市公共资源交易代理有限公司",
        design_unit="中信科移动通信设计院有限公司", investment=Decimal("845.00"),
        contract_amount=Decimal("796.30"), approval_date=dt.date(2021, 11, 5),
        preliminary_acceptance_date=dt.date(2023, 3, 16), trial_run_start=dt.date(2023, 3, 20),
        trial_run_end=dt.date(2023, 7, 19), final_application_date=dt.date(2023, 9, 4),
        go_live_date=dt.date(2023, 10, 1), city="武汉市", system="智慧水务综合管理平台"),
    "lp-govservice": Project(
        name="连平县政务服务一体化平台建设项目", construction_unit="连平县政务服务数据管理局",
        contractor="河源市粤信科技有限公司", supervisor="广东诚信工程监理有限公司",
        testing_agency="广东省信息安全测评中心", tender_agent="河源市恒信招标代理有限公司",
        design_unit="广东省电信规划设计院有限公司", investment=Decimal("168.00"),
        contract_amount=Decimal("159.60"), approval_date=dt.date(2022, 5, 10),
        preliminary_acceptance_date=dt.date(2023, 4, 12), trial_run_start=dt.date(2023, 4, 15),
        trial_run_end=dt.date(2023, 7, 14), final_application_date=dt.date(2023, 8, 2),
        go_live_date=dt.date(2023, 9, 1), city="连平县", system="政务服务一体化平台"),
    "qp-ops": Project(
        name="青浦区城市运行综合管理大系统建设项目", construction_unit="上海市青浦区城市运行管理中心",
        contractor="上海青数信息技术有限公司", supervisor="上海华东信息工程监理有限公司",
        testing_agency="上海市软件评测中心有限公司", tender_agent="上海青浦招标代理有限公司",
        design_unit="上海邮电设计咨询研究院有限公司", investment=Decimal("680.00"),
        contract_amount=Decimal("628.40"), approval_date=dt.date(2023, 1, 12),
        preliminary_acceptance_date=dt.date(2024, 3, 15), trial_run_start=dt.date(2024, 3, 18),
        trial_run_end=dt.date(2024, 6, 17), final_application_date=dt.date(2024, 7, 8),
        go_live_date=dt.date(2024, 7, 20), city="青浦区", system="城市运行综合管理大系统"),
    "qp-archive": Project(
        name="青浦区档案信息管理子系统建设项目", construction_unit="上海市青浦区档案局",
        contractor="上海申档信息科技有限公司", supervisor="上海华东信息工程监理有限公司",
        testing_agency="上海市软件评测中心有限公司", tender_agent="上海青浦招标代理有限公司",
        design_unit="上海邮电设计咨询研究院有限公司", investment=Decimal("236.00"),
        contract_amount=Decimal("221.50"), approval_date=dt.date(2023, 2, 20),
        preliminary_acceptance_date=dt.date(2024, 1, 10), trial_run_start=dt.date(2024, 1, 15),
        trial_run_end=dt.date(2024, 4, 14), final_application_date=dt.date(2024, 5, 6),
        go_live_date=dt.date(2024, 5, 20), city="青浦区", system="档案信息管理子系统"),
}


def cn_date(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def yuan(wan: Decimal) -> str:
    """386.50 万元 → '3,865,000.00元' (so extraction has to convert units)."""
    return f"{wan * 10000:,.2f}元"


# -- body text ----------------------------------------------------------------------------

_FILLER = (
    "{system}按照“统筹规划、集约建设、资源共享、安全可控”的原则建设，依托全区统一的政务云和电子政务外网部署。",
    "项目组按周编制项目周报，按月向建设单位汇报进度，关键节点均形成会议纪要并归档。",
    "系统共建成业务应用子系统6个、数据接口23个，日均处理业务量约1.2万件，峰值并发用户数达到800人。",
    "相关工作严格执行国家和地方政务信息化项目管理的有关规定，未发现重大质量问题和安全隐患。",
    "项目资金实行专款专用，按合同约定的节点支付，资金使用情况已经财务审核确认。",
    "数据资源按照政务信息资源目录进行编目，已向区级共享交换平台提供共享数据项156个。",
    "运行期间共受理用户问题反馈42条，已全部处理完毕，用户满意度调查结果为96.5%。",
    "系统采用国产化服务器、数据库和中间件，满足安全可靠的相关要求，并已完成商用密码应用改造。",
)


def section_body(title: str, p: Project, rng: random.Random) -> list[str]:
    """Two or three paragraphs for one outline leaf; fact-bearing sections state the facts."""
    t = title
    lines: list[str] = []
    if "项目名称" in t or "建设项目名称" in t:
        lines.append(f"项目名称：{p.name}。")
    elif "承建单位" in t:
        lines.append(f"项目承建单位：{p.contractor}。")
    elif "监理机构" in t or "监理单位" in t:
        lines.append(f"项目监理单位：{p.supervisor}。")
    elif "建设单位" in t:
        lines.append(f"项目建设单位：{p.construction_unit}。")
    elif "测评机构" in t:
        lines.append(f"项目测评机构为{p.testing_agency}，负责软件测评和安全测评。")
    elif "招标代理" in t:
        lines.append(f"项目招标代理机构为{p.tender_agent}。")
    elif "设计单位" in t or "编制单位" in t:
        lines.append(f"项目方案设计单位为{p.design_unit}。")
    elif "建设投资" in t or "总投资" in t or "资金来源" in t:
        lines.append(f"项目总投资{p.investment}万元，资金来源为区级财政资金，分两个年度安排。")
    elif "初验结论" in t:
        lines.append(f"初验日期：{cn_date(p.preliminary_acceptance_date)}，初验结论为通过，专家组同意项目进入试运行。")
    elif "试运行" in t:
        lines.append(f"系统试运行自{cn_date(p.trial_run_start)}起至{cn_date(p.trial_run_end)}止，运行总体平稳。")
    elif "建设周期" in t:
        lines.append(f"项目于{cn_date(p.approval_date)}批复立项，建设周期为12个月。")
    elif "合同" in t:
        lines.append(f"项目合同金额{yuan(p.contract_amount)}，合同于{p.approval_date.year}年签订，已按节点履约。")
    else:
        lines.append(f"本节说明{p.name}的{t}。")
    for s in rng.sample(_FILLER, k=rng.randint(1, 2)):
        lines.append(s.format(system=p.system))
    return lines


# -- DOCX writing ---------------------------------------------------------------------------

_CN = "一二三四五六七八九十"


def cn_num(n: int) -> str:
    if n <= 10:
        return _CN[n - 1]
    if n < 20:
        return "十" + _CN[n - 11]
    return _CN[n // 10 - 1] + "十" + (_CN[n % 10 - 1] if n % 10 else "")


def typed_label(level: int, n: int) -> str:
    """Bold-only documents number by hand: 一、 / （一） / 1. / （1）."""
    return (f"{cn_num(n)}、", f"（{cn_num(n)}）", f"{n}.", f"（{n}）")[min(level, 4) - 1]


@dataclass(frozen=True)
class Item:
    level: int
    label: str
    title: str
    body: tuple[str, ...]


def new_docx() -> DocxDocument:
    d = Docx()
    cp = d.core_properties
    cp.created = FIXED
    cp.modified = FIXED
    cp.last_printed = FIXED
    cp.author = "dossier corpus"
    cp.last_modified_by = "dossier corpus"
    cp.revision = 1
    style = d.styles["Normal"]
    style.font.size = Pt(12)
    return d


def write_items(d: DocxDocument, title: str, preamble: Sequence[str], items: Sequence[Item], manner: str) -> None:
    d.add_paragraph(title, style="Title")
    for line in preamble:
        d.add_paragraph(line)
    if manner == "toc":
        d.add_paragraph().add_run("目  录").bold = True
        for it in items:
            if it.level <= 2:
                indent = "    " * (it.level - 1)
                d.add_paragraph(f"{indent}{it.label} {it.title}".strip() + "……………………" + str(2 + items.index(it) // 4))
        d.add_page_break()
    counters = [0] * 6
    for it in items:
        if manner == "bold":
            counters[it.level - 1] += 1
            for i in range(it.level, 6):
                counters[i] = 0
            para = d.add_paragraph()
            run = para.add_run(f"{typed_label(it.level, counters[it.level - 1])}{it.title}")
            run.bold = True
            run.font.size = Pt((16, 14, 12, 12)[min(it.level, 4) - 1])
        else:
            d.add_heading(f"{it.label} {it.title}".strip(), level=min(it.level, 4))
        for line in it.body:
            d.add_paragraph(line)


def write_form(d: DocxDocument, title: str, rows: Sequence[tuple[str, str]], preamble: Sequence[str]) -> None:
    d.add_paragraph(title, style="Title")
    for line in preamble:
        d.add_paragraph(line)
    table = d.add_table(rows=len(rows), cols=2)
    table.style = "Table Grid"
    for r, (label, value) in enumerate(rows):
        table.cell(r, 0).text = label
        table.cell(r, 1).text = value


def save_docx(d: DocxDocument, path: Path) -> None:
    buf = io.BytesIO()
    d.save(buf)
    path.write_bytes(fixed_zip(buf.getvalue()))


def fixed_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed timestamps (python-docx stamps entries with the current time)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            dst.writestr(zi, src.read(info.filename))
    return out.getvalue()


# -- what goes into each file --------------------------------------------------------------


def outline_items(doc: Document, p: Project, rng: random.Random, *, drop: Iterable[str] = (),
                  rename: Mapping[str, str] | None = None, empty: Iterable[str] = (),
                  skip: Iterable[str] = ()) -> list[Item]:
    """The outline as headings with bodies. Dropping a section drops its subtree; `skip`
    leaves out sections that are not required (conditions false) without counting as a gap."""
    rename = rename or {}
    gone = set(drop) | set(skip)
    empty = set(empty)
    items: list[Item] = []
    cut: list[tuple[str, ...]] = []
    for path, s in doc.walk():
        if s.id in gone:
            cut.append(path)
        if any(path[: len(c)] == c for c in cut):
            continue
        title = rename.get(s.id, s.title)
        leaf = not s.children
        body: tuple[str, ...] = ()
        if s.id not in empty:
            # Chapters with children carry a short lead sentence only in some documents.
            body = tuple(section_body(s.title, p, rng)) if leaf else (
                (f"本章介绍{s.title}。",) if rng.random() < 0.3 else ())
        items.append(Item(s.level, s.label, title, body))
    return items


GENERIC_CHAPTERS = ("基本情况", "主要工作内容", "完成情况及结论")


def material_items(title: str, p: Project, rng: random.Random) -> list[Item]:
    items = []
    for i, ch in enumerate(GENERIC_CHAPTERS, 1):
        body = [f"本{title_noun(title)}所涉项目为{p.name}，建设单位为{p.construction_unit}。"] if i == 1 else []
        body += [s.format(system=p.system) for s in rng.sample(_FILLER, k=2)]
        items.append(Item(1, f"{cn_num(i)}、", ch, tuple(body)))
    return items


def title_noun(title: str) -> str:
    for n in ("报告", "方案", "计划", "意见", "合同", "目录", "说明", "文件", "证明", "表"):
        if title.endswith(n):
            return n
    return "材料"


def form_rows(doc: Document, p: Project, skip: Iterable[str] = ()) -> list[tuple[str, str]]:
    skip = set(skip)
    rows: list[tuple[str, str]] = []
    values = {
        "项目名称": p.name, "项目申报单位": p.construction_unit, "申报日期": cn_date(p.approval_date),
        "经费估算": f"{p.investment}万元", "项目总投资": f"{p.investment}万元",
    }
    for _, s in doc.walk():
        if s.id in skip:
            continue
        label = re.sub(r"（[^）]*）", "", s.title) if doc.kind == "form" else s.title
        value = next((v for k, v in values.items() if k in s.title), "")
        if not value:
            value = "详见附件" if doc.kind == "form" else f"{(len(s.title) * 7) % 90 + 5}.00"
        rows.append((f"{s.label}{label}" if doc.kind == "table" and s.label else label, value))
    return rows


# -- the spec --------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileSpec:
    name: str
    format: str = "docx"
    manner: str = "styles"
    title: str = ""
    drop_sections: tuple[str, ...] = ()
    rename_sections: Mapping[str, str] = field(default_factory=dict)
    empty_sections: tuple[str, ...] = ()
    material: str = ""
    decoy_of: str = ""


@dataclass(frozen=True)
class Spec:
    name: str
    folder: Path
    jurisdiction: str
    stage: str
    project: Project
    seed: int
    as_of: dt.date
    container: str
    facts: Mapping[str, Any]
    drop_materials: tuple[str, ...]
    files: tuple[FileSpec, ...]

    @property
    def pack(self) -> Pack:
        return load_pack(self.jurisdiction)


def load_spec(folder: Path) -> Spec:
    raw = yaml.safe_load((folder / "spec.yaml").read_text(encoding="utf-8"))
    pack = load_pack(raw["jurisdiction"])
    stage = pack.stage(raw["stage"])
    facts = dict(raw.get("facts") or {})
    drop = tuple(raw.get("drop_materials") or ())
    overrides: Mapping[str, Mapping[str, Any]] = raw.get("materials") or {}
    known = {m.id for m in stage.materials}
    for mid in (*drop, *overrides):
        if mid not in known:
            raise ValueError(f"{folder.name}: unknown material {mid}")
    files: list[FileSpec] = []
    n = 0
    for m in stage.materials:
        # One file per material the files can show and the facts require (or leave open).
        if m.verify != "file" or m.id in drop or evaluate(m.when, facts) is False and m.id not in overrides:
            continue
        n += 1
        o = dict(overrides.get(m.id) or {})
        fmt = o.get("format", "docx")
        ext = {"scan": "pdf"}.get(fmt, fmt)
        files.append(FileSpec(
            name=o.get("name", f"{n:02d}_{safe_title(m.title)}.{ext}"), format=fmt, manner=o.get("manner", "styles"),
            title=o.get("title", m.title), drop_sections=tuple(o.get("drop_sections") or ()),
            rename_sections=dict(o.get("rename_sections") or {}), empty_sections=tuple(o.get("empty_sections") or ()),
            material=m.id))
    for f in files:
        m = next(m for m in stage.materials if m.id == f.material)
        ids = {s.id for _, s in pack.document(m.document).walk()} if m.document else set()
        for sid in (*f.drop_sections, *f.rename_sections, *f.empty_sections):
            if sid not in ids:
                raise ValueError(f"{folder.name}/{f.name}: {sid} is not a section of {m.document or m.id}")
    for d in raw.get("decoys") or ():
        files.append(FileSpec(name=d["name"], format=d.get("format", "docx"), title=d["title"], decoy_of=d["decoy_of"]))
    for f in files:
        if f.format not in FORMATS or f.manner not in MANNERS:
            raise ValueError(f"{folder.name}/{f.name}: format {f.format} / manner {f.manner}")
    return Spec(folder.name, folder, raw["jurisdiction"], raw["stage"], PROJECTS[raw["project"]], int(raw["seed"]),
                dt.date.fromisoformat(str(raw["as_of"])), raw.get("container", "files"), facts, drop, tuple(files))


def safe_title(title: str) -> str:
    return re.sub(r"[\\/:*?\"<>|“”]", "", title)


# -- building ---------------------------------------------------------------------------------


def build(spec: Spec, out: Path | None = None) -> Path:
    """Write the dossier of one spec into `out` (default: beside the spec). Returns the dossier path."""
    out = out or spec.folder
    pack = spec.pack
    stage = pack.stage(spec.stage)
    materials = {m.id: m for m in stage.materials}
    p = spec.project
    with tempfile.TemporaryDirectory(prefix="dossier-corpus-") as tmp:
        work = Path(tmp)
        docx_dir = work / "docx"
        docx_dir.mkdir()
        made: list[tuple[FileSpec, Path]] = []
        for i, f in enumerate(spec.files):
            rng = random.Random(f"{spec.seed}:{i}:{f.name}")
            src = docx_dir / f"{i:02d}.docx"
            m = materials.get(f.material)
            if f.format == "xlsx":
                src = src.with_suffix(".xlsx")
                write_xlsx(src, f.title, p)
            else:
                write_file(src, f, m, pack, p, spec.facts, rng)
            made.append((f, src))
        converted = convert(made, work)
        files_dir = work / "files"
        files_dir.mkdir()
        for f, src in made:
            (files_dir / f.name).write_bytes(converted.get(f.name, src.read_bytes()))
        target_files = out / "files"
        target_zip = out / "dossier.zip"
        for t in (target_files, target_zip):
            if t.is_dir():
                shutil.rmtree(t)
            elif t.exists():
                t.unlink()
        if spec.container == "zip":
            write_gbk_zip(target_zip, [(f"{spec_folder_name(spec)}/{f.name}", (files_dir / f.name).read_bytes())
                                       for f, _ in made])
            result = target_zip
        else:
            shutil.copytree(files_dir, target_files)
            result = target_files
    facts_text = yaml.safe_dump(dict(spec.facts), allow_unicode=True, sort_keys=True)
    (out / "facts.yaml").write_text("# generated by corpus/build_dossiers.py from spec.yaml\n" + facts_text,
                                    encoding="utf-8")
    return result


def spec_folder_name(spec: Spec) -> str:
    return f"{spec.project.name}（{spec.pack.stage(spec.stage).title}材料）"


def write_file(path: Path, f: FileSpec, m: Material | None, pack: Pack, p: Project, facts: Mapping[str, Any],
               rng: random.Random) -> None:
    d = new_docx()
    preamble = [f"项目名称：{p.name}", f"建设单位：{p.construction_unit}"]
    doc = pack.document(m.document) if m is not None and m.document else None
    if doc is not None and doc.kind in ("form", "table"):
        skip = [s.id for _, s in doc.walk() if s.id in f.drop_sections]
        write_form(d, f.title, form_rows(doc, p, skip), preamble[:0])
    elif doc is not None:
        # Sections whose condition is false are left out, as a real unit would.
        skip = [s.id for _, s in doc.walk() if evaluate(s.when, facts) is False]
        items = outline_items(doc, p, rng, drop=f.drop_sections, rename=f.rename_sections,
                              empty=f.empty_sections, skip=skip)
        if doc.outline == "partial":
            items = [Item(1, "", "项目概况", tuple(section_body("项目名称", p, rng)))] + items
        write_items(d, f.title, preamble, items, f.manner)
    else:
        write_items(d, f.title, preamble, material_items(f.title, p, rng), f.manner)
    save_docx(d, path)


def write_xlsx(path: Path, title: str, p: Project) -> None:
    """A spreadsheet such as a 信息资源目录 (a decoy for the 信息资源共享报告)."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.properties.created = FIXED
    wb.properties.modified = FIXED
    wb.properties.creator = "dossier corpus"
    ws = wb.active
    ws.title = "目录"
    ws.append([title])
    ws.append(["序号", "信息资源名称", "提供单位", "共享类型", "更新周期"])
    for i, name in enumerate(("案件受理信息", "巡查上报事件", "部件普查数据", "执法人员名录", "市政设施台账"), 1):
        ws.append([i, name, p.construction_unit, "有条件共享" if i % 2 else "无条件共享", "实时"])
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(fixed_zip(buf.getvalue()))


# -- conversions -------------------------------------------------------------------------------


def soffice(args: Sequence[str], work: Path) -> None:
    profile = work / "lo-profile"
    cmd = ["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore", *args]
    subprocess.run(cmd, check=True, capture_output=True, timeout=600)


def convert(made: Sequence[tuple[FileSpec, Path]], work: Path) -> dict[str, bytes]:
    """PDF / .doc / image-only scan bytes per target file name (one soffice run per format)."""
    out: dict[str, bytes] = {}
    to_pdf = [(f, src) for f, src in made if f.format in ("pdf", "scan")]
    to_doc = [(f, src) for f, src in made if f.format == "doc"]
    if to_pdf:
        pdf_dir = work / "pdf"
        soffice(["--convert-to", "pdf", "--outdir", str(pdf_dir), *(str(s) for _, s in to_pdf)], work)
        for f, src in to_pdf:
            data = fixed_pdf((pdf_dir / f"{src.stem}.pdf").read_bytes())
            out[f.name] = rasterise(data) if f.format == "scan" else data
    if to_doc:
        doc_dir = work / "doc"
        soffice(["--convert-to", "doc", "--outdir", str(doc_dir), *(str(s) for _, s in to_doc)], work)
        for f, src in to_doc:
            out[f.name] = (doc_dir / f"{src.stem}.doc").read_bytes()
    return out


_PDF_DATE = re.compile(rb"/(CreationDate|ModDate)\s*\(D:[^)]*\)")
_PDF_ID = re.compile(rb"/ID\s*\[\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*\]")
_PDF_CHECKSUM = re.compile(rb"/DocChecksum\s*/([0-9A-Fa-f]+)")


def fixed_pdf(data: bytes) -> bytes:
    """Overwrite dates and the file ID in place (same length, so the xref stays valid)."""

    def date(m: re.Match[bytes]) -> bytes:
        whole = m.group(0)
        head = whole[: whole.index(b"(D:") + 3]
        body_len = len(whole) - len(head) - 1
        return head + b"20240101080000+00'00'".ljust(body_len)[:body_len] + b")"

    def ident(m: re.Match[bytes]) -> bytes:
        a, b = m.group(1), m.group(2)
        return m.group(0).replace(a, b"0" * len(a)).replace(b, b"0" * len(b))

    def checksum(m: re.Match[bytes]) -> bytes:
        return m.group(0).replace(m.group(1), b"0" * len(m.group(1)))

    return _PDF_CHECKSUM.sub(checksum, _PDF_ID.sub(ident, _PDF_DATE.sub(date, data)))


def rasterise(pdf: bytes, *, pages: int = 2, scale: float = 150 / 72) -> bytes:
    """An image-only PDF of the first pages: what a scanner gives back."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    images = []
    try:
        for i in range(min(pages, len(doc))):
            bitmap = doc[i].render(scale=scale, grayscale=True)
            images.append(bitmap.to_pil().convert("L"))
    finally:
        doc.close()
    buf = io.BytesIO()
    fixed = FIXED.timetuple()  # PIL writes struct_time as a PDF date
    images[0].save(buf, "PDF", save_all=True, append_images=images[1:], resolution=150.0, quality=70,
                   creationDate=fixed, modDate=fixed, title="scan", producer="scanner", creator="scanner")
    return buf.getvalue()


class _GbkInfo(zipfile.ZipInfo):
    """A zip entry named in GBK without the UTF-8 flag (what Chinese Windows tools write)."""

    def _encodeFilenameFlags(self) -> tuple[bytes, int]:  # noqa: N802 - zipfile's own hook
        return self.filename.encode("gbk"), self.flag_bits & ~0x800


def write_gbk_zip(path: Path, entries: Sequence[tuple[str, bytes]]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries:
            info = _GbkInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            zf.writestr(info, data)


# -- entry point --------------------------------------------------------------------------------


def spec_folders(names: Sequence[str] = ()) -> list[Path]:
    folders = sorted(p.parent for p in ROOT.glob("*/spec.yaml"))
    if names:
        folders = [f for f in folders if f.name in names]
    return folders


def iter_specs(names: Sequence[str] = ()) -> Iterator[Spec]:
    for folder in spec_folders(names):
        yield load_spec(folder)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*", help="dossier folder names (default: all)")
    args = ap.parse_args(argv)
    for spec in iter_specs(args.names):
        path = build(spec)
        size = sum(f.stat().st_size for f in spec.folder.rglob("*") if f.is_file())
        print(f"{spec.name}: {path.relative_to(ROOT)} ({size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
