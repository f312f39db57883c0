"""Fixtures for skeleton generation: a small inline pack and every document of every real
pack that loads, each generated once per session."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from dossier.errors import DossierError
from dossier.generate import generate_document
from dossier.model import Pack
from dossier.packs import load_pack, load_pack_path, pack_ids

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


@pytest.fixture(scope="session")
def mini_pack(tmp_path_factory: pytest.TempPathFactory) -> Pack:
    return load_pack_path(write_mini_pack(tmp_path_factory.mktemp("minipack")))


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


@pytest.fixture(scope="session")
def skeleton(tmp_path_factory: pytest.TempPathFactory) -> Skeleton:
    """generate_document with a cache: each (pack, document, facts) is rendered once."""
    cache: dict[tuple[str, str, str], Path] = {}
    root = tmp_path_factory.mktemp("skeletons")

    def make(pack: Pack, doc_id: str, facts: Mapping[str, Any]) -> Path:
        key = (pack.id, doc_id, repr(sorted(facts.items())))
        if key not in cache:
            out = root / f"{pack.id}__{doc_id}__{len(cache)}.docx"
            cache[key] = generate_document(pack, doc_id, facts, out)
        return cache[key]

    return make
