"""File-scope checks: a file that could not be read, and a file that is no material of the stage."""

from __future__ import annotations

from collections.abc import Iterator

from dossier.check.context import CheckContext, ParsedFile
from dossier.check.rules import Gap
from dossier.parse.limits import PARTLY_READ

LOW_OCR_CONFIDENCE = 0.8


def file_gap(code: str, display: str, reason: str) -> Gap:
    """A finding about one file as a whole (unreadable, refused, no text layer)."""
    return Gap(code, "", {"file": display, "reason": reason}, file=display)


def check_problem(ctx: CheckContext, p: ParsedFile) -> Iterator[Gap]:
    """The parser's verdict on the file (unreadable, no text layer, parse limit), what a parse cap left
    unread, and a poor OCR."""
    if p.code:
        yield file_gap(p.code, p.display, p.reason)
    tree = p.tree
    # What parse caps left unread, all in one finding (findings are one per code and file).
    left_out = [n.removeprefix(PARTLY_READ).strip() for n in (tree.warnings if tree is not None else ())
                if n.startswith(PARTLY_READ)]
    if left_out:
        yield file_gap("DOS-P006", p.display, "；".join(left_out))
    if tree is not None and tree.ocr and tree.ocr_confidence is not None and tree.ocr_confidence < LOW_OCR_CONFIDENCE:
        yield file_gap("DOS-P004", p.display, f"{tree.ocr_confidence:.2f}")


def check_stage_fit(ctx: CheckContext, p: ParsedFile) -> Iterator[Gap]:
    """A file no material of the stage claims: another stage's document, or unrecognised."""
    cl = ctx.assigned[p.display]
    if cl.material is not None or cl.how == "material-list":
        return
    from dossier.check.classify import evidence_for, other_stage_document  # see engine._classified

    other = other_stage_document(ctx.pack, ctx.stage, evidence_for(p.display, p.tree))
    if other is not None:
        yield Gap("DOS-M005", other.id, {"file": p.display, "title": other.title}, file=p.display)
    else:
        yield Gap("DOS-M004", "", {"file": p.display, "reason": "如属本阶段材料，请在文件名或标题中写明材料名称"},
                  file=p.display)
