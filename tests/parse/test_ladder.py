"""The typed-numbering ladder shared by the DOCX and PDF parsers."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dossier.parse.ladder import (
    Ladder,
    chinese_to_int,
    clean_title,
    is_amount_line,
    is_toc_line,
    normalise_title,
    split_numbering,
)


@pytest.mark.parametrize(
    ("text", "label", "title", "family", "value"),
    [
        ("第一章  项目概述", "第一章", "项目概述", "chapter", 1),
        ("第 十 二 章 风险及效益", "第 十 二 章", "风险及效益", "chapter", 12),
        ("第一节 总体要求", "第一节", "总体要求", "section", 1),
        ("第二部分 技术方案", "第二部分", "技术方案", "chapter", 2),
        ("一、项目概述", "一、", "项目概述", "cn", 1),
        ("十一、其他", "十一、", "其他", "cn", 11),
        ("（一）建设背景", "（一）", "建设背景", "cn-paren", 1),
        ("(三) 建设目标", "(三)", "建设目标", "cn-paren", 3),
        ("1. 项目名称", "1.", "项目名称", "dec", 1),
        ("12、运维费估算", "12、", "运维费估算", "dec", 12),
        ("１．项目名称", "１．", "项目名称", "dec", 1),
        ("5  项目审计单位", "5", "项目审计单位", "dec", 5),
        ("1.1 项目名称", "1.1", "项目名称", "dec2", 1),
        ("２．３ 建设内容", "２．３", "建设内容", "dec2", 3),
        ("1 . 2 . 3 网络", "1 . 2 . 3", "网络", "dec3", 3),
        ("1.1.1.2 深层", "1.1.1.2", "深层", "dec4", 2),
        ("(1) 业务效能目标指标", "(1)", "业务效能目标指标", "paren", 1),
        ("（２）业务协同", "（２）", "业务协同", "paren", 2),
        ("⑵ 集约化", "⑵", "集约化", "paren", 2),
        ("3）信息系统", "3）", "信息系统", "rparen", 3),
        ("④ 终端", "④", "终端", "circled", 4),
        ("B. 附录", "B.", "附录", "alpha", 2),
        ("Ⅲ、总结", "Ⅲ、", "总结", "roman", 3),
    ],
)
def test_split_numbering(text: str, label: str, title: str, family: str, value: int) -> None:
    n = split_numbering(text)
    assert n is not None
    assert (n.label, n.title, n.family, n.value) == (label, title, family, value)


@pytest.mark.parametrize(
    "text",
    [
        "17597.78 万元用于建设",
        "1.5倍",
        "3 个月内完成",
        "2024年3月",
        "１２．５万元",
        "项目概述",
        "一二三四五六",
        "1.",
        "一、",
        "100%完成",
    ],
)
def test_not_numbering(text: str) -> None:
    assert split_numbering(text) is None


def test_amounts() -> None:
    assert is_amount_line("17597.78 万元，其中")
    assert is_amount_line("２００万元")
    assert not is_amount_line("1. 项目名称")


def test_chinese_numerals() -> None:
    assert [chinese_to_int(s) for s in ("一", "十", "十二", "二十", "一百零五", "壹拾贰", "两")] == [
        1,
        10,
        12,
        20,
        105,
        12,
        2,
    ]
    assert chinese_to_int("甲") is None


def test_titles() -> None:
    assert normalise_title("项 目 概 述") == "项目概述"
    assert normalise_title("项目概述……………… 3") == "项目概述"
    assert normalise_title("建设目标：") == "建设目标"
    assert normalise_title("业务（政务）效能") == "业务(政务)效能"
    assert clean_title("业务（政务）效能") == "业务（政务）效能"
    assert clean_title("５Ｇ网络  建设") == "5G网络建设"
    assert clean_title("附件 2") == "附件 2"  # one space before a number is not a page number


def test_toc_lines() -> None:
    assert is_toc_line("目  录") and is_toc_line("目录") and is_toc_line("Contents")
    assert is_toc_line("第一章 项目概述……………………1")
    assert is_toc_line("1.1 项目名称 .......... 12")
    assert is_toc_line("一、项目概述\t3")
    assert not is_toc_line("一、项目概述")
    assert not is_toc_line("总投资为 12 万元")


def levels(seq: Sequence[tuple[str, int | None]], hints: Sequence[int | None] | None = None) -> list[int]:
    lad = Ladder()
    hs = hints or [None] * len(seq)
    return [lad.level_for(f, h, v) for (f, v), h in zip(seq, hs, strict=True)]


def test_ladder_first_appearance_order() -> None:
    assert levels([("chapter", 1), ("dec", 1), ("paren", 1), ("dec", 2), ("chapter", 2), ("dec", 1)]) == [
        1,
        2,
        3,
        2,
        1,
        2,
    ]
    # the same families in the opposite order in another document
    assert levels([("paren", 1), ("dec", 1), ("paren", 2), ("dec", 1)]) == [1, 2, 1, 2]


def test_ladder_family_first_seen_under_a_shallower_rung() -> None:
    # 1. directly under 一、, later （一）appears under 一、 and 1. nests below it.
    seq = [("cn", 1), ("dec", 1), ("cn", 2), ("cn-paren", 1), ("dec", 1), ("cn-paren", 2)]
    assert levels(seq) == [1, 2, 1, 2, 3, 2]


def test_ladder_list_restart_nests() -> None:
    assert levels([("dec", 1), ("dec2", 1), ("dec", 1), ("dec", 2), ("dec2", 2)]) == [1, 2, 3, 3, 2]


def test_ladder_hints() -> None:
    # Heading 1, an unnumbered Heading 2, a typed (二) set in Heading 2, an unnumbered Heading 2.
    seq = [("cn", 1), ("outline2", None), ("cn-paren", 2), ("outline2", None)]
    assert levels(seq, [1, 2, 2, 2]) == [1, 2, 2, 2]
    # a skipped level never leaves a gap
    assert levels([("outline1", None), ("outline3", None)], [1, 3]) == [1, 2]


@given(st.text(alphabet=st.one_of(
    st.characters(min_codepoint=0xFF00, max_codepoint=0xFFEF),  # full-width and half-width forms
    st.sampled_from("\u3000，。：；（）《》、项目概述第一章ＡａＩ１２ 	\u0301\u0308\u00a0\u2160\u2474\u3231\uf900\u1100\u1161"),
    st.characters(max_codepoint=0x2FFF),
), max_size=40))
def test_the_fast_nfkc_is_unicodedatas(text: str) -> None:
    """cjk.nfkc puts full-width forms in first and then asks the quick check: the answer must be
    unicodedata's on every text, combining marks after a full-width letter included."""
    import unicodedata

    from dossier.cjk import nfkc

    assert nfkc(text) == unicodedata.normalize("NFKC", text)
