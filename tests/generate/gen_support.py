"""Test support for skeleton generation: the inline mini pack, the real packs that load, and
reading generated DOCX back independently of the generator."""

from __future__ import annotations

import re
import textwrap
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import docx
import pytest
from docx.oxml.ns import qn
from docx.table import Table
from lxml import etree

from dossier.errors import DossierError
from dossier.model import Pack
from dossier.packs import load_pack, pack_ids

CITE = "citations: [{source: t, article: 附件2, quote: 大纲}]"

MINI = {
    "pack.yaml": """
        id: minipack
        version: 0.0.1
        title: 测试办法
        jurisdiction: 测试区
        level: district
        sources:
          - {id: t, short: 测试办法, title: 《测试办法》, issuer: 测试局}
        stages: [final-acceptance]
        documents: [report-a, form-a, table-a]
    """,
    "documents/report-a.yaml": f"""
        id: report-a
        title: 测试报告（编制大纲）
        kind: report
        {CITE}
        sections:
          - id: overview
            title: 项目概述
            {CITE}
            children:
              - {{id: bg, title: 项目背景, {CITE}}}
              - id: basis
                title: 建设依据
                {CITE}
                children:
                  - {{id: policy, title: 政策依据, guidance: 写明政策文件名称和文号。, {CITE}}}
                  - id: deep
                    title: 上级文件
                    {CITE}
                    children:
                      - {{id: deeper, title: 市级文件, {CITE}}}
          - id: sup
            title: 监理情况
            when: {{fact: supervised, eq: true}}
            condition_text: 未实施项目监理不提交
            {CITE}
            children:
              - {{id: sup-unit, title: 监理单位, {CITE}}}
          - {{id: big, title: 重大事项, optional: true, when: {{fact: investment, ge: 1000}}, {CITE}}}
          - {{id: last, title: 结论 & 建议 <一>, {CITE}}}
    """,
    "documents/form-a.yaml": f"""
        id: form-a
        title: 测试申报表（范  本）
        kind: form
        {CITE}
        sections:
          - {{id: name, title: 项目名称, {CITE}}}
          - id: funds
            title: 资金安排
            {CITE}
            children:
              - {{id: y1, title: 第一年, {CITE}}}
              - {{id: y2, title: 第二年, {CITE}}}
          - id: attach
            title: 附送材料
            {CITE}
            children:
              - {{id: a1, label: "1.", title: 基本情况报告, {CITE}}}
              - {{id: a2, label: "2.", title: 投资估算, {CITE}}}
          - {{id: sup, title: 监理单位, when: {{fact: supervised, eq: true}}, {CITE}}}
    """,
    "documents/table-a.yaml": f"""
        id: table-a
        title: 投资估算明细表
        kind: table
        columns: [序号, 项目, 分项, 分项目1, 合计]
        {CITE}
        sections:
          - id: hw
            title: IT硬件设备
            {CITE}
            children:
              - {{id: net, title: 网络设备, {CITE}}}
              - {{id: srv, title: 服务器设备, {CITE}}}
          - {{id: hw-sum, title: 硬件小计, {CITE}}}
          - id: sw
            title: 应用系统
            {CITE}
            children:
              - {{id: dev, title: 定制开发, {CITE}}}
    """,
    "stages/final-acceptance.yaml": f"""
        id: final-acceptance
        title: 终验
        {CITE}
        materials:
          - {{id: report, title: 测试报告, document: report-a, {CITE}}}
          - {{id: sup, title: 项目监理报告, when: {{fact: supervised, eq: true}}, condition_text: 未实施项目监理不提交, {CITE}}}
          - {{id: odd, title: "../逃逸/材料:名?", verify: manual, {CITE}}}
          - {{id: sheet, title: 投资估算明细表, document: table-a, {CITE}}}
    """,
}


def write_mini_pack(root: Path) -> Path:
    for rel, text in MINI.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).strip() + "\n", encoding="utf-8")
    return root


def loadable_packs() -> list[str]:
    """Real packs that load now (others are still being written; their own tests cover them)."""
    out = []
    for pid in pack_ids():
        try:
            load_pack(pid)
        except DossierError:
            continue
        out.append(pid)
    return out


def real_documents() -> list[Any]:
    params = []
    for pid in loadable_packs():
        for doc in load_pack(pid).documents:
            params.append(pytest.param(pid, doc.id, id=f"{pid}/{doc.id}"))
    return params


Skeleton = Callable[[Pack, str, Mapping[str, Any]], Path]


W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {"w": W}
HEADING = re.compile(r"^Heading (\d)$")


def part(path: Path, name: str) -> etree._Element:
    with zipfile.ZipFile(path) as zf:
        return etree.fromstring(zf.read(name))


def body_paragraphs(path: Path) -> list[tuple[str, str]]:
    """(style name, text) of the top-level paragraphs, in order."""
    d = docx.Document(str(path))
    return [(p.style.name if p.style is not None else "", p.text) for p in d.paragraphs]


def headings(path: Path) -> list[tuple[str, int]]:
    out = []
    for style, text in body_paragraphs(path):
        m = HEADING.match(style)
        if m:
            out.append((text, int(m.group(1))))
    return out


def first_table(path: Path) -> Table:
    d = docx.Document(str(path))
    assert d.tables, f"{path.name} has no table"
    return d.tables[0]


def form_titles(path: Path) -> list[str]:
    """Field labels of a form in order: label paragraphs, then sub-table header cells."""
    tbl = part(path, "word/document.xml").find("w:body/w:tbl", NS)
    assert tbl is not None, f"{path.name} has no table"
    out: list[str] = []
    for tr in tbl.findall(qn("w:tr")):
        for tc in tr.findall(qn("w:tc")):
            for el in tc:
                if el.tag == qn("w:p") and _style(el) == "DossierTableLabel":
                    out.append(_text(el))
                elif el.tag == qn("w:tbl"):
                    head = el.find(qn("w:tr"))
                    out += [_text(c) for c in head.findall(qn("w:tc"))]
    return out


def _style(p: etree._Element) -> str:
    s = p.find("w:pPr/w:pStyle", NS)
    return s.get(qn("w:val")) if s is not None else ""


def _text(el: etree._Element) -> str:
    return "".join(t.text or "" for t in el.iter(qn("w:t"))).strip()


def style_of(root: etree._Element, style_id: str) -> etree._Element:
    s = root.find(f"w:style[@w:styleId='{style_id}']", NS)
    assert s is not None, f"style {style_id} missing"
    return s
