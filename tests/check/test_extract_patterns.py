"""Facts found in documents: shared patterns, pack patterns from YAML, evidence spans."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from check_builders import corpus_trees, real_lines

from dossier.check import extract as fx
from dossier.errors import PackError
from dossier.facts import fact_types
from dossier.packs import load_pack, pack_ids
from dossier.tree import Block, DocumentTree, Heading, Location


def tree(*lines: str, rows: tuple[tuple[str, ...], ...] = ()) -> DocumentTree:
    blocks = tuple(Block("text", text=t, location=Location(paragraph=i)) for i, t in enumerate(lines))
    if rows:
        blocks += (Block("table", rows=rows, location=Location(paragraph=len(lines))),)
    return DocumentTree("x.docx", "docx", "", (Heading("项目概况", "一、", 1, Location(paragraph=0), blocks=blocks),))


def found(t: DocumentTree, patterns: tuple[fx.FactPattern, ...] = fx.SHARED) -> dict[str, fx.Extracted]:
    return fx.merge(fx.extract(t, "x.docx", patterns))


def test_shared_patterns_read_values_with_their_span() -> None:
    got = found(tree("本项目总投资为3,865,000.00元，资金来源为区级财政。", "系统自2023年5月22日起至2023年9月21日止试运行。"))
    inv = got["investment"]
    assert inv.value == Decimal("386.5")
    ev = inv.evidence()
    assert ev["match"] == "3,865,000.00元" and ev["text"].startswith("本项目总投资为")
    assert ev["text"][ev["span"][0]:ev["span"][1]] == "3,865,000.00元"
    assert got["trial_run_start"].value == dt.date(2023, 5, 22)
    assert got["trial_run_end"].value == dt.date(2023, 9, 21)


def test_evidence_is_the_sentence_not_the_paragraph() -> None:
    got = found(tree("首句与投资无关。项目总投资386.5万元；其余内容。"))
    assert got["investment"].text == "项目总投资386.5万元;"  # evidence is NFKC-simplified text


def test_a_form_row_does_not_leak_into_the_project_name() -> None:
    got = found(tree(rows=(("项目名称", "永川区智慧城管平台建设项目", "项目类型", "新建"),)))
    assert got["project_name"].value == "永川区智慧城管平台建设项目"


def test_every_installed_pack_pattern_file_loads() -> None:
    for pid in pack_ids():
        pats = fx.pack_patterns(load_pack(pid))
        assert pats[: len(fx.SHARED)] == fx.SHARED


def test_pack_pattern_reads_a_form_figure_in_its_unit() -> None:
    pats = fx.pack_patterns(load_pack("lianping"))
    got = found(tree(rows=(("项目总投资（万元）", "168", "计划竣工时间", "2024年12月"),)), pats)
    assert got["investment"].value == Decimal(168)
    assert "investment" not in found(tree(rows=(("项目总投资（万元）", "168", "计划竣工时间", "2024年12月"),)))


def test_guangzhou_contract_signing_date_from_the_contract() -> None:
    got = found(tree("签订日期：2025年1月20日"), fx.pack_patterns(load_pack("guangzhou")))
    assert got["contract_signing_date"].value == dt.date(2025, 1, 20)


def _load(data: object) -> tuple[fx.FactPattern, ...]:
    pack = load_pack("yongchuan")
    return fx.load_patterns(data, "outlines/x/extract.yaml", fact_types(pack))


def test_a_pack_pattern_for_a_pack_fact() -> None:
    (p,) = _load({"patterns": [{"fact": "custom_software", "kind": "text", "triggers": ["定制软件"],
                                "regex": "定制软件[:：](?P<v>[^\\n]{1,10})"}]})
    assert p.source == "outlines/x/extract.yaml"


@pytest.mark.parametrize(("item", "words"), [
    ({"fact": "nope", "kind": "text", "triggers": ["x"], "regex": "(?P<v>x)"}, "unknown fact"),
    ({"fact": "investment", "kind": "date", "triggers": ["x"], "regex": "{DATE}"}, "kind 'money'"),
    ({"fact": "investment", "kind": "money", "triggers": ["x"], "regex": "(x"}, "does not compile"),
    ({"fact": "project_name", "kind": "text", "triggers": ["x"], "regex": "项目(.*)"}, "named group"),
    ({"fact": "project_name", "kind": "text", "triggers": [], "regex": "(?P<v>x)"}, "triggers"),
    ({"fact": "project_name", "kind": "text", "triggers": ["x"], "regex": "(?P<v>x)", "extra": 1}, "extra"),
])
def test_bad_pack_patterns_are_named(item: dict[str, object], words: str) -> None:
    with pytest.raises(PackError) as err:
        _load({"patterns": [item]})
    assert err.value.path == "outlines/x/extract.yaml"
    assert words in str(err.value)


def test_spacy_is_not_imported() -> None:
    import sys

    found(tree("项目总投资386.5万元"))
    assert "spacy" not in sys.modules


def test_the_traditional_table_is_opencc_for_every_installed_trigger() -> None:
    # The table spares a check opencc's s2t dictionary; it must say what opencc says, for every
    # trigger word of the shared patterns and of every installed pack, and no stale words.
    import opencc

    s2t = opencc.OpenCC("s2t")
    words = {t for p in fx.SHARED for t in p.triggers}
    for pack_id in pack_ids():
        words |= {t for p in fx.pack_patterns(load_pack(pack_id)) for t in p.triggers}
    assert {w: s2t.convert(w) for w in sorted(words)} == fx.TRADITIONAL


def test_traditional_text_is_screened_in_for_a_word_outside_the_table() -> None:
    assert "验收结论" not in fx.TRADITIONAL
    assert fx.traditional("验收结论") == "驗收結論"  # a custom pack's word: opencc converts it
    pattern = fx.FactPattern("conclusion", "text", ("验收结论",), r"验收结论[:：](?P<v>\S+)", "custom")
    t = DocumentTree("x.docx", "docx", "", (Heading("驗收結論：通過", "一、", 1, Location(paragraph=0)),))
    assert [e.value for e in fx.extract(t, "x.docx", (pattern,))] == ["通过"]


# The shared patterns as they were written before their optional 项目 was left off.
WITH_PREFIX = {
    "investment": r"(?:项目)?(?:总投资|投资总额|投资估算|总概算|投资概算|建设投资)(?:[^\n。；;\d]{0,12}?)[:：为约共计合]*\s*{AMOUNT}",
    "construction_unit": r"(?:项目)?建设单位(?:及负责人)?\s*[:：]\s*(?P<v>[^\n\t，,；;。（(]{3,40})",
    "contractor": r"(?:项目)?承建(?:单位|方)\s*[:：]\s*(?P<v>[^\n\t，,；;。（(]{3,40})",
    "supervisor": r"(?:项目)?监理(?:单位|机构)\s*[:：]\s*(?P<v>[^\n\t，,；;。（(]{3,40})",
}
PREFIXED = ["项目建设单位：永川区大数据局", "项目项目建设单位:甲单位，项目承建单位：乙公司；承建方：丙公司",
            "建设单位：甲；项目建设单位：乙。项目监理单位：丙 监理机构：丁", "项目总投资为386.5万元，其中建设投资300万元",
            "项目投资估算 120 万元；项目项目总概算：1,200,000元", "项目承建设单位：某某", "项目监理单位：项目监理机构：某某公司"]
# A line for every shared and installed pack pattern, some in traditional characters.
EVERY_PATTERN = ["項目名稱：永川區智慧城管平台建設項目", "合同金額：人民币120万元", "項目承建單位：某某科技有限公司", "建设单位：永川区大数据局", "监理单位：某某监理公司",
                 "項目總投資為386.5萬元",
                 "初步验收日期：2024年3月5日", "試運行時間：2023年5月22日起", "试运行期间为2023年5月22日至2023年9月21日",
                 "系统自2023年5月22日起至2023年9月21日止试运行", "申请日期：二〇二四年十月八日", "系统于2024年1月2日上线",
                 "投入使用时间：2024-01-02", "经费估算：35万元", "项目总投资\t168", "项目总投资（万元） 168",
                 "变更后项目总金额为99万元", "合同签订日期：2025年1月20日", "簽署時間 2025年2月1日"]


def groups(regex: re.Pattern[str], text: str) -> list[tuple[tuple[int, int], ...]]:
    """Each match's group spans and its end: all that reading a value takes from a match."""
    return [(*m.regs[1:], (m.end(), m.end())) for m in regex.finditer(text)]


def test_leaving_off_the_optional_prefix_reads_the_same_spans() -> None:
    shared = {p.fact: p for p in fx.SHARED}
    lines = [fx.simplify(t) for t in (*real_lines(), *PREFIXED)]
    for fact, old in WITH_PREFIX.items():
        before = re.compile(old.replace("{AMOUNT}", fx.AMOUNT))
        assert [groups(before, t) for t in lines] == [groups(shared[fact].regex, t) for t in lines], fact
        assert any(groups(before, t) for t in lines), fact  # the lines do hold such labels


def plain_extract(tree: DocumentTree, patterns: tuple[fx.FactPattern, ...]) -> list[fx.Extracted]:
    """The extractor without its shortcuts: every trigger looked for in every screened line, every
    pattern tested, the prefixed patterns as they were written."""
    old = {p: re.compile(WITH_PREFIX[p.fact].replace("{AMOUNT}", fx.AMOUNT)) if p in fx.SHARED and p.fact in WITH_PREFIX
           else p.regex for p in patterns}
    triggers = frozenset(t for p in patterns for t in p.triggers)
    out = []
    for raw, loc in fx._snippets(tree):
        if not raw or len(raw) > 20000 or not fx._screen(triggers).search(raw):
            continue
        text = fx.simplify(raw)
        present = {t for t in triggers if t in text}
        for pat in patterns:
            if not present.isdisjoint(pat.triggers):
                for m in old[pat].finditer(text):
                    got = fx._value(pat, m)
                    if got is not None:
                        out.append(fx.Extracted(pat.fact, got[0], "x", loc, *fx.sentence(text, got[1], got[2])))
    return out


def test_the_extractor_reads_what_the_plain_one_does() -> None:
    lines = tree(*PREFIXED, *EVERY_PATTERN, *real_lines())
    trees = (*corpus_trees(), lines)
    for pid in pack_ids():
        patterns = fx.pack_patterns(load_pack(pid))
        for t in trees:
            assert fx.extract(t, "x", patterns) == plain_extract(t, patterns)
    for pid in pack_ids():  # every pattern of every pack reads one of the lines
        for p in fx.pack_patterns(load_pack(pid)):
            assert any(p.regex.search(fx.simplify(line)) for line in EVERY_PATTERN), (pid, p.fact, p.pattern)


def plain_sentence(text: str, start: int, end: int) -> tuple[str, int, int]:
    """The evidence sentence as it was cut before the search went backwards."""
    left = max((m.end() for m in fx._SENTENCE_END.finditer(text, 0, start)), default=0)
    right_m = fx._SENTENCE_END.search(text, end)
    left, right = max(left, start - 100), min(right_m.end() if right_m else len(text), end + 100)
    raw = text[left:right]
    stripped = raw.lstrip()
    shift = left + (len(raw) - len(stripped))
    return stripped.rstrip(), start - shift, end - shift


def test_the_sentence_around_a_value_is_cut_as_before() -> None:
    long_line = "前言。" + "甲" * 150 + "；合同金额100万元" + "乙" * 150 + "。后记\n"
    lines = [fx.simplify(t) for t in (*real_lines()[:3000], long_line, "  金额 ; 100万元 \n ", "", "。")]
    for text in lines:
        for start in range(0, len(text) + 1, 7):
            for end in (start, min(start + 5, len(text)), len(text)):
                assert fx.sentence(text, start, end) == plain_sentence(text, start, end), (text, start, end)


def test_a_shared_date_pattern_needs_a_year_in_the_line() -> None:
    dated = [p for p in fx.SHARED if p.also]
    assert {p.kind for p in dated} == {"date"} and {p.fact for p in dated} == {p.fact for p in fx.SHARED if p.kind == "date"}
    lines = [fx.simplify(t) for t in (*EVERY_PATTERN, *real_lines(), "二〇二三年九月", "１９９９年１月", "2010-1-2")]
    years = [m.group("y") for t in lines for m in re.finditer(fx.DATE, t)]
    assert len(years) > 40 and all(y.startswith(fx.YEAR) for y in years)
    for p in dated:  # and each holds {DATE} whole, never optional
        assert fx.DATE in p.pattern and f"(?:{fx.DATE})?" not in p.pattern
