"""The one table of finding codes. Codes are never reused; severity here is the default
(a run may override it). Checks yield bare gaps naming a code; the engine adds the rest."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning", "info"]
SEVERITY_RANK: dict[str, int] = {"info": 0, "warning": 1, "error": 2}


@dataclass(frozen=True)
class Code:
    code: str
    slug: str
    severity: Severity
    template: str
    """str.format template over the gap's fields (title, file, reason, …)."""
    doc: str
    """What it means and what to do, for `dossier codes explain`."""


CODES: tuple[Code, ...] = (
    # -- files and parsing -------------------------------------------------------------
    Code("DOS-P001", "no-text-layer", "warning", "{file}：没有文字层，无法读取章节（{reason}）",
         "A PDF page has no text and OCR was unavailable or disabled. The file is listed but its chapters "
         "cannot be checked; supply a text PDF or enable OCR. Its sections are not reported missing."),
    Code("DOS-P002", "unreadable-file", "error", "{file}：无法读取（{reason}）",
         "The file could not be parsed at all (broken, encrypted, wrong type, too large). The rest of the "
         "dossier is still checked."),
    Code("DOS-P003", "parse-limit", "error", "{file}：解析超出限制（{reason}）",
         "Parsing the file ran past the time or memory limit and was stopped; the file is treated as unreadable."),
    Code("DOS-P004", "ocr-low-confidence", "warning", "{file}：扫描件识别置信度低（{reason}）",
         "The file was read by OCR with a low mean confidence; findings on it deserve a manual look."),
    Code("DOS-P005", "unsafe-archive-entry", "error", "{file}：压缩包条目被拒绝（{reason}）",
         "A zip entry was refused: path traversal, absolute path, link, encryption, too deep nesting, "
         "too many entries or a size/ratio over the limits (zip bomb). Nothing was written outside the work dir."),
    Code("DOS-P006", "partly-read", "warning", "{file}：只读取了部分内容（{reason}）",
         "The file is larger than a parse cap allows (paragraphs, runs, table cells, spreadsheet cells, shared "
         "strings, pages to OCR): what came before the cap was read and checked, the rest was not. Findings "
         "about missing content may come from the unread part; split the file or review it by hand."),
    # -- sections ----------------------------------------------------------------------
    Code("DOS-S001", "missing-section", "error", "《{document}》缺少章节“{title}”（{reason}）",
         "A section the outline requires was not found among the document's headings (matched by title, "
         "aliases and fuzzy matching, not by number)."),
    Code("DOS-S002", "empty-section", "error", "《{document}》章节“{title}”没有内容（{reason}）",
         "The heading is there but nothing is written under it, or only the skeleton's 【填写说明】 guidance."),
    Code("DOS-S003", "section-manual-review", "warning", "《{document}》章节“{title}”匹配不确定（{reason}）",
         "A heading resembles the required section but too closely resembles another to decide; a person "
         "should confirm."),
    Code("DOS-S004", "conditional-section-absent", "info", "《{document}》未见条件性章节“{title}”（{reason}）",
         "A section required only under a condition (若有/如有/定制软件…) is absent and the facts do not say "
         "whether the condition holds; confirm it does not apply."),
    Code("DOS-S005", "section-out-of-order", "info", "《{document}》章节“{title}”顺序与大纲不同",
         "The section was found, but not in the outline's order."),
    # -- materials ---------------------------------------------------------------------
    Code("DOS-M001", "missing-material", "error", "缺少材料“{title}”（{reason}）",
         "A material this stage requires for this project was not found among the files."),
    Code("DOS-M002", "material-manual-review", "info", "材料“{title}”需人工确认（{reason}）",
         "Whether the material is required, or whether it is valid, cannot be decided from the files "
         "(a condition on unknown facts, a seal, an approval held elsewhere)."),
    Code("DOS-M003", "material-placeholder", "error", "材料“{title}”仍是占位文件（{file}）",
         "The file for this material is the scaffold's placeholder, not the material itself."),
    Code("DOS-M004", "unrecognised-file", "info", "{file}：未能识别为本阶段的任何材料（{reason}）",
         "The file matched no material of the stage. It is listed so that nothing is silently dropped."),
    Code("DOS-M005", "wrong-stage-document", "warning", "{file}：似为“{title}”，不属于本阶段",
         "The file looks like a document of another stage; check that the right stage was chosen."),
    # -- rules -------------------------------------------------------------------------
    Code("DOS-R001", "rule-violated", "error", "{title}：{reason}",
         "A numeric or logical requirement of the regulation does not hold for this project's facts."),
    Code("DOS-R002", "time-window", "error", "{title}：{reason}",
         "A time limit of the regulation (trial run length, application deadline after an event) is not met."),
    Code("DOS-R003", "naming", "warning", "项目名称不符合命名规则：{reason}",
         "The project name does not follow the jurisdiction's naming rule."),
    Code("DOS-R004", "deadline", "warning", "{title}：{reason}",
         "A calendar deadline of the regulation (e.g. application by 6-30) is missed."),
    Code("DOS-R005", "inconsistent-fact", "error", "{title}：各文件不一致（{reason}）",
         "The same fact (project name, investment, 承建单位, 初验日期 …) differs between documents."),
    Code("DOS-R006", "rule-unverifiable", "info", "{title}：缺少事实，无法核验（{reason}）",
         "The rule applies, but the facts it needs are neither given nor found in the documents."),
    Code("DOS-R007", "manual-check", "info", "{title}：需人工核验（{reason}）",
         "A requirement that files cannot show (a seal, a signature, an approval held elsewhere)."),
    Code("DOS-R008", "notice", "info", "{title}",
         "Information the regulation attaches to this project (approval route, who to file with)."),
    Code("DOS-R009", "out-of-scope", "warning", "{title}：本办法不适用，未按本规则包检查材料、章节和规则（{reason}）",
         "The project falls outside the regulation (a classified project, an excluded kind of project). The "
         "check stops here with this one finding; check the project against the rules that do apply to it, or "
         "correct the fact that excluded it."),
    # -- facts -------------------------------------------------------------------------
    Code("DOS-F001", "fact-conflict", "warning", "{title}：给定值与文件中的不同（{reason}）",
         "A fact given in facts.yaml differs from the value found in the documents; the given value was used."),
    # -- scan --------------------------------------------------------------------------
    Code("DOS-X001", "dossier-failed", "error", "{file}：无法检查（{reason}）",
         "A bulk scan could not check this dossier at all (not found, unreadable archive, crash); "
         "the scan went on with the others."),
)

BY_CODE: dict[str, Code] = {c.code: c for c in CODES}
BY_SLUG: dict[str, Code] = {c.slug: c for c in CODES}


def lookup(code_or_slug: str) -> Code:
    key = code_or_slug.strip()
    found = BY_CODE.get(key.upper()) or BY_SLUG.get(key.lower())
    if found is None:
        raise KeyError(key)
    return found


class _Default(dict[str, object]):
    def __missing__(self, key: str) -> str:
        return ""


def message(code: str, **fields: object) -> str:
    """The code's template filled with the gap's fields (missing fields print empty)."""
    text = BY_CODE[code].template.format_map(_Default(fields))
    return text.replace("（）", "")
