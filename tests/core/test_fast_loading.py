"""The fast paths for packs (libyaml, jsonschema-rs) give exactly what the reference paths give.

PyYAML's pure-Python loader and python-jsonschema stay the references: every shipped YAML
file, a set of hostile and odd documents and seeded random mutations must read (or fail)
the same way both ways, and the fast validator must never pass a document python-jsonschema
refuses.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from dossier import packs, yamlio
from dossier.errors import DossierError, PackError
from dossier.packs import Problem, schema_problems

REPO = Path(__file__).resolve().parents[2]
YAML_FILES = sorted(
    [
        *(REPO / "outlines").rglob("*.yaml"),
        *(REPO / "corpus").rglob("*.yaml"),
        *(REPO / "corpus").rglob("*.yml"),
    ]
)
PACK_FILES = sorted((REPO / "outlines").rglob("*.yaml"))
needs_libyaml = pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML built without libyaml")


def _outcome(text: str) -> tuple[str, Any, Any]:
    """What load_yaml_text gives: the value (repr, so 1 / 1.0 / True differ) or the error."""
    try:
        value = yamlio.load_yaml_text(text, "f.yaml")
    except DossierError as exc:
        return ("error", exc.reason, exc.where)
    return ("ok", repr(value), value)


def _both_ways(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> tuple[tuple[str, Any, Any], tuple[str, Any, Any]]:
    fast = _outcome(text)
    with monkeypatch.context() as m:
        m.setattr(yamlio, "_FastLoader", None)
        reference = _outcome(text)
    return fast, reference


def _schema_name(path: Path) -> str:
    if path.name == "pack.yaml":
        return "pack"
    if path.name == "rules.yaml":
        return "requirements"
    if path.name == "source.yaml":
        return "source"
    if path.name == "extract.yaml":
        return "extract"
    return {"stages": "materials", "documents": "outline"}[path.parent.name]


def _doc(rel: str) -> Any:
    return yamlio.load_yaml_text((REPO / "outlines" / rel).read_text(encoding="utf-8"), rel)


def _python_problems(data: Any, schema_name: str, monkeypatch: pytest.MonkeyPatch) -> list[Problem]:
    with monkeypatch.context() as m:
        m.setattr(packs, "_fast_validator", lambda name: None)
        return schema_problems(data, schema_name, "f.yaml")


# -- YAML ---------------------------------------------------------------------------------


def test_there_are_yaml_files_to_compare() -> None:
    assert len(PACK_FILES) >= 40 and len(YAML_FILES) > len(PACK_FILES)


@needs_libyaml
@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_c_loader_reads_every_shipped_yaml_file_like_the_reference(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert yamlio._FastLoader is not None
    # The shipped files must take the fast path, or the speed-up silently disappears.
    assert yamlio._fast_path_is_safe(text, yamlio._FastLoader)
    fast = yaml.load(text, Loader=yamlio._FastLoader)  # noqa: S506 - a CSafeLoader subclass
    reference = yamlio._load_reference(text)
    assert fast == reference
    assert repr(fast) == repr(reference)


BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 9) + "]\n" for i in range(8)
)

ODD_YAML = {
    "alias-bomb": BOMB,
    "one-alias": "a: &x 1\nb: *x\n",
    "alias-after-syntax-error": "a: [1\nb: *x\n",
    "duplicate-anchor-then-alias": "a: &x 1\nb: &x 2\nc: *x\n",
    "deep-flow": "x: " + "[" * 50_000 + "]" * 50_000 + "\n",
    "deep-mapping": "x:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 3000)),
    "depth-at-cap": "[" * yamlio.MAX_YAML_DEPTH + "]" * yamlio.MAX_YAML_DEPTH,
    "depth-over-cap": "[" * (yamlio.MAX_YAML_DEPTH + 1) + "]" * (yamlio.MAX_YAML_DEPTH + 1),
    "scalar-at-cap": "[" * yamlio.MAX_YAML_DEPTH + "x" + "]" * yamlio.MAX_YAML_DEPTH,
    "python-tag": "project_name: !!python/object/apply:os.system ['touch pwned']\n",
    "unknown-tag": "a: !custom 1\n",
    "empty-tag": "a: !\n",
    "str-tag": "a: !!str 2023\n",
    "binary": "a: !!binary aGVsbG8=\n",
    "set": "a: !!set {x, y}\n",
    "merge-key": "derived:\n  <<: {a: 1}\n  b: 2\n",
    "syntax": "project_name: [unclosed\n",
    "two-documents": "a: 1\n---\nb: 2\n",
    "two-documents-alias": "a: 1\n---\nb: *x\n",
    "tab-after-colon": "a:\tb\n",
    "tab-in-flow": "k: [a,\tb]\n",
    "tab-in-quotes": 'k: "a\tb"\n',
    "question-in-flow": "k: [变?更, x]\n",
    "question-in-block": "k: 变?更\n",
    "question-in-quotes": 'k: ["(?!x).+"]\n',
    "url-in-flow": "k: [http://a.b/c?d=e]\n",
    "colon-in-flow": "k: {a:1}\n",
    "block-header-comment": "k: |#c\n  text\n",
    "block-header-ok": "k: |- # c\n  text\nj: >2\n   more\n",
    "bom-at-start": "\ufeffk: v\n",
    "bom-mid-line": "a: 1\n\ufeffb: 2\n",
    "lone-surrogate": "k: \ud800\n",
    "control-char": "k: \x07\n",
    "nel-and-ls": "k: a\x85b\u2028c\n",
    "crlf": "a: 1\r\nb: [x, y]\r\n",
    "dates-stay-strings": "d: 2023-01-01\nt: 2023-01-01 10:00:00\n",
    "numbers": "i: 0x1F\no: 0o17\nf: 1_000.5\ninf: .inf\nnan: .NaN\nb: yes\nn: ~\n",
    "duplicate-keys": "a: 1\na: 2\n",
    "complex-key": "? [a, b]\n: c\n",
    "empty": "",
    "comment-only": "# nothing\n",
    "yaml-directive": "%YAML 1.1\n---\na: 1\n",
    "yaml-2": "%YAML 2.0\n---\na: 1\n",
    "chinese": "项目名称: 永川区智慧城管平台\n金额: 1,234.5万元\n",
}


@needs_libyaml
@pytest.mark.parametrize("case", sorted(ODD_YAML))
def test_odd_and_hostile_yaml_reads_or_fails_the_same_both_ways(
    case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast, reference = _both_ways(ODD_YAML[case], monkeypatch)
    assert fast[:2] == reference[:2]


@needs_libyaml
@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("alias-bomb", "aliases (*name) are not allowed"),
        ("one-alias", "aliases (*name) are not allowed"),
        ("deep-flow", f"nested deeper than {yamlio.MAX_YAML_DEPTH} levels"),
        ("depth-over-cap", f"nested deeper than {yamlio.MAX_YAML_DEPTH} levels"),
        ("scalar-at-cap", f"nested deeper than {yamlio.MAX_YAML_DEPTH} levels"),
    ],
)
def test_aliases_and_depth_never_reach_the_c_composer(case: str, reason: str) -> None:
    text = ODD_YAML[case]
    assert yamlio._FastLoader is not None
    assert not yamlio._fast_path_is_safe(text, yamlio._FastLoader)
    with pytest.raises(PackError) as err:
        yamlio.load_yaml_text(text, "f.yaml", PackError)
    assert err.value.reason == f"not valid YAML: {reason}"
    assert err.value.where and err.value.where.startswith("line ")


def test_without_libyaml_the_reference_loader_still_refuses_aliases(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlio, "_FastLoader", None)
    assert yamlio.load_yaml_text("a: [1, {b: c}]\nd: 2023-01-01\n", "f") == {
        "a": [1, {"b": "c"}],
        "d": "2023-01-01",
    }
    with pytest.raises(DossierError, match="aliases"):
        yamlio.load_yaml_text(BOMB, "f")


MUTATIONS = [
    " ", "\t", "\n", "\n  ", "\n- ", ":", ": ", "-", "?", "? ", "[", "]", "{", "}", ",", "#", " #c", "'", '"', "\\",
    "|", ">", "|#", "!", "!!str ", "&a ", "*a", "%YAML 1.2\n", "--- ", "\n...\n", "@", "`", "\ufeff", "\x85",
    "\u2028", "\r\n", "a?b", "2023-02-30", "~",
]  # fmt: skip


def _mutants(count: int) -> Iterator[str]:
    rng = random.Random(20240601)
    texts = [p.read_text(encoding="utf-8")[:1500] for p in YAML_FILES]
    for _ in range(count):
        chars = list(rng.choice(texts))
        for _ in range(rng.randint(1, 3)):
            pos = rng.randrange(len(chars) + 1)
            if rng.random() < 0.7:
                chars.insert(pos, rng.choice(MUTATIONS))
            elif pos < len(chars):
                del chars[pos]
        yield "".join(chars)


@needs_libyaml
def test_mutated_yaml_reads_or_fails_the_same_both_ways(monkeypatch: pytest.MonkeyPatch) -> None:
    differ = []
    for text in _mutants(300):
        fast, reference = _both_ways(text, monkeypatch)
        if fast[:2] != reference[:2]:
            differ.append((text, fast[:2], reference[:2]))
    assert not differ, differ[:3]


# -- JSON Schema --------------------------------------------------------------------------


def _broken_docs() -> dict[str, tuple[str, Any]]:
    pack = _doc("yongchuan/pack.yaml")
    stage = _doc("yongchuan/stages/final-acceptance.yaml")
    outline = _doc("yongchuan/documents/basic-report.yaml")
    rules = _doc("yongchuan/rules.yaml")
    window = next(r for r in rules["rules"] if r["kind"] == "window")
    manual = next(r for r in rules["rules"] if r["kind"] == "manual")

    def edit(doc: Any, change: Any) -> Any:
        doc = copy.deepcopy(doc)
        change(doc)
        return doc

    def rules_with(rule: dict[str, Any]) -> dict[str, Any]:
        return {"rules": [rule]}

    return {
        "pack-version-list": ("pack", edit(pack, lambda d: d.update(version=[1, 0]))),
        "pack-version-text": ("pack", edit(pack, lambda d: d.update(version="one"))),
        "pack-unknown-key": ("pack", edit(pack, lambda d: d.update(surprise=1))),
        "pack-missing-sources": ("pack", edit(pack, lambda d: d.pop("sources"))),
        "pack-bad-level": ("pack", edit(pack, lambda d: d.update(level="galaxy"))),
        "pack-impossible-date": ("pack", edit(pack, lambda d: d["sources"][0].update(issued="2021-02-30"))),
        "pack-year-zero-date": ("pack", edit(pack, lambda d: d["sources"][0].update(effective="0000-01-01"))),
        "pack-datetime-not-date": (
            "pack",
            edit(pack, lambda d: d["sources"][0].update(issued="2021-01-15T00:00")),
        ),
        "pack-short-date": ("pack", edit(pack, lambda d: d["sources"][0].update(issued="2021-1-15"))),
        "pack-date-as-number": ("pack", edit(pack, lambda d: d["sources"][0].update(issued=20210115))),
        "pack-duplicate-stage": ("pack", edit(pack, lambda d: d["stages"].append(d["stages"][0]))),
        "pack-bad-fact-type": (
            "pack",
            edit(pack, lambda d: next(iter(d["facts"].values())).update(type="colour")),
        ),
        "pack-non-string-key": ("pack", edit(pack, lambda d: d.update({1: "x"}))),
        "stage-bad-id": ("materials", edit(stage, lambda d: d.update(id="launch"))),
        "stage-material-no-citations": (
            "materials",
            edit(stage, lambda d: d["materials"][0].pop("citations")),
        ),
        "stage-material-bad-verify": (
            "materials",
            edit(stage, lambda d: d["materials"][0].update(verify="maybe")),
        ),
        "stage-condition-two-comparisons": (
            "materials",
            edit(stage, lambda d: d["materials"][0].update(when={"fact": "investment", "gt": 1, "lt": 2})),
        ),
        "stage-condition-null-operand": (
            "materials",
            edit(stage, lambda d: d["materials"][0].update(when={"fact": "investment", "eq": None})),
        ),
        "stage-condition-empty-all": (
            "materials",
            edit(stage, lambda d: d["materials"][0].update(when={"all": []})),
        ),
        "outline-unknown-key": ("outline", edit(outline, lambda d: d.update(surprise=1))),
        "outline-bad-kind": ("outline", edit(outline, lambda d: d.update(kind="poem"))),
        "outline-slug-with-capital": (
            "outline",
            edit(outline, lambda d: d["sections"][0].update(id="Basic")),
        ),
        "outline-empty-title": ("outline", edit(outline, lambda d: d["sections"][0].update(title=""))),
        "outline-citation-without-article": (
            "outline",
            edit(outline, lambda d: d["citations"][0].pop("article")),
        ),
        "outline-long-slug": ("outline", edit(outline, lambda d: d["sections"][0].update(id="a" * 81))),
        "outline-optional-not-bool": (
            "outline",
            edit(outline, lambda d: d["sections"][0].update(optional="yes")),
        ),
        "rule-unevaluated-key": ("requirements", rules_with(edit(window, lambda r: r.update(pattern="x")))),
        "rule-key-of-another-kind": (
            "requirements",
            rules_with(edit(manual, lambda r: r.update(fact="investment"))),
        ),
        "rule-window-without-to": ("requirements", rules_with(edit(window, lambda r: r.pop("to")))),
        "rule-negative-duration": (
            "requirements",
            rules_with(edit(window, lambda r: r.update(min={"months": -1}))),
        ),
        "rule-fractional-duration": (
            "requirements",
            rules_with(edit(window, lambda r: r.update(min={"days": 1.5}))),
        ),
        "rule-bad-kind": ("requirements", rules_with(edit(window, lambda r: r.update(kind="vibe")))),
        "rule-bad-severity": ("requirements", rules_with(edit(manual, lambda r: r.update(severity="fatal")))),
        "rule-bad-month-day": (
            "requirements",
            rules_with(
                edit(manual, lambda r: r.update(kind="deadline", fact="investment", month_day="13-01"))
            ),
        ),
        "rule-missing-stages": ("requirements", rules_with(edit(manual, lambda r: r.pop("stages")))),
        "rules-not-a-list": ("requirements", {"rules": {"a": 1}}),
        "rules-unknown-top-key": ("requirements", {"rules": [], "extra": True}),
        # Valid to python-jsonschema only: "$" matches before a final newline in Python's re,
        # and .inf is a number there; jsonschema-rs refuses both, python-jsonschema decides.
        "slug-with-final-newline": (
            "outline",
            edit(outline, lambda d: d["sections"][0].update(id="basic\n")),
        ),
        "infinite-operand": (
            "materials",
            edit(stage, lambda d: d["materials"][0].update(when={"fact": "investment", "ge": float("inf")})),
        ),
        # Valid both ways: integral floats are integers, 1.0 == 1 in enums and durations.
        "integral-float-duration": (
            "requirements",
            rules_with(edit(window, lambda r: r.update(min={"days": 1.0}))),
        ),
    }


BROKEN = _broken_docs()
PYTHON_ONLY_VALID = {"slug-with-final-newline", "infinite-operand"}


@pytest.fixture(scope="module")
def fast_validator() -> Any:
    pytest.importorskip("jsonschema_rs")

    def get(name: str) -> Any:
        validator = packs._fast_validator(name)
        assert validator is not None, f"jsonschema-rs could not compile {name}"
        return validator

    return get


def _fast_says(validator: Any, data: Any) -> bool | None:
    try:
        return bool(validator.is_valid(data))
    except Exception:  # data it cannot convert (non-string keys): python-jsonschema decides
        return None


@pytest.mark.parametrize("path", PACK_FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_both_validators_pass_every_packaged_pack_file(path: Path, fast_validator: Any) -> None:
    name = _schema_name(path)
    data = yamlio.load_yaml_text(path.read_text(encoding="utf-8"), str(path))
    assert fast_validator(name).is_valid(data)
    assert not list(packs.validator(name).iter_errors(data))


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_validators_agree_on_broken_pack_documents(
    case: str, fast_validator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    name, data = BROKEN[case]
    python_valid = not list(packs.validator(name).iter_errors(data))
    fast = _fast_says(fast_validator(name), data)
    if case in PYTHON_ONLY_VALID:
        assert python_valid and fast is False
    elif case == "integral-float-duration":
        assert python_valid and fast is True
    else:
        assert not python_valid
        assert fast in (False, None)
    # Whatever the fast path says, the problems are python-jsonschema's, word for word.
    assert schema_problems(data, name, "f.yaml") == _python_problems(data, name, monkeypatch)


def test_fast_validator_checks_dates_like_python_jsonschema(fast_validator: Any) -> None:
    pack = _doc("yongchuan/pack.yaml")
    for date, ok in [
        ("2024-02-29", True),
        ("2023-02-29", False),
        ("0000-01-01", False),
        ("9999-12-31", True),
    ]:
        doc = copy.deepcopy(pack)
        doc["sources"][0]["issued"] = date
        assert fast_validator("pack").is_valid(doc) is ok
        assert (not list(packs.validator("pack").iter_errors(doc))) is ok


POOL: list[Any] = [
    None, True, 0, -1, 1.0, 1.5, "", "x", "Abc", "a-b", "2023-02-30", "0000-01-01", "2023-01-01", [], {}, ["a"],
    ["a", "a"], {"a": 1}, "application", "report", "assert", "window", "manual", "error", "money", "1.0.0", "13-01",
    {"fact": "investment"}, {"all": []}, {"fact": "investment", "gt": 1}, {"days": 3}, {"months": -1},
    [{"source": "x", "article": "第一条"}], "x" * 90,
]  # fmt: skip
KEYS = [
    "when", "kind", "fact", "patterns", "citations", "surprise", "id", "title", "from", "to", "assert", "days",
    "gt", "all", "not", "in", "known", "times", "children", "issued", "document", "verify", "month_day", "max",
    "stages", "severity",
]  # fmt: skip


def _mutate(rng: random.Random, doc: Any) -> None:
    def walk(x: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
        yield path, x
        items = x.items() if isinstance(x, dict) else enumerate(x) if isinstance(x, list) else ()
        for k, v in items:
            yield from walk(v, (*path, k))

    path, node = rng.choice(list(walk(doc)))
    op = rng.random()
    if op < 0.4 and path:
        parent = doc
        for p in path[:-1]:
            parent = parent[p]
        parent[path[-1]] = copy.deepcopy(rng.choice(POOL))
    elif op < 0.6 and isinstance(node, dict) and node:
        del node[rng.choice(list(node))]
    elif isinstance(node, dict):
        node[rng.choice(KEYS)] = copy.deepcopy(rng.choice(POOL))
    elif isinstance(node, list) and node:
        node.append(copy.deepcopy(rng.choice(node)))


def test_fast_validator_never_passes_what_python_jsonschema_refuses(fast_validator: Any) -> None:
    rng = random.Random(7)
    # Small documents keep python-jsonschema's share of this test short.
    docs = [
        (_schema_name(p), yamlio.load_yaml_text(p.read_text(encoding="utf-8"), str(p))) for p in PACK_FILES
    ]
    docs = [d for d in docs if len(repr(d[1])) < 6000]
    seen = {True: 0, False: 0}
    for _ in range(150):
        name, doc = rng.choice(docs)
        doc = copy.deepcopy(doc)
        for _ in range(rng.randint(1, 3)):
            _mutate(rng, doc)
        python_valid = not list(packs.validator(name).iter_errors(doc))
        seen[python_valid] += 1
        if _fast_says(fast_validator(name), doc):
            assert python_valid, doc
    assert seen[True] and seen[False]


def test_without_jsonschema_rs_the_python_path_validates(monkeypatch: pytest.MonkeyPatch) -> None:
    name, data = BROKEN["pack-version-list"]
    problems = _python_problems(data, name, monkeypatch)
    assert problems and problems[0].where == "/version"
    assert _python_problems(_doc("yongchuan/pack.yaml"), "pack", monkeypatch) == []
