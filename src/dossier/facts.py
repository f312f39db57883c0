"""Project facts: load facts.yaml, validate against the shared vocabulary plus the pack's
own facts, and convert to typed values (money → Decimal 万元, dates → date)."""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from dossier import resources
from dossier.errors import FactsError
from dossier.model import Pack
from dossier.yamlio import load_yaml_file

Facts = dict[str, Any]

_UNIT = {"元": Decimal("0.0001"), "万元": Decimal(1), "万": Decimal(1), "亿元": Decimal(10000), "亿": Decimal(10000)}
_MONEY = re.compile(r"^\s*([0-9][0-9,，]*(?:\.[0-9]+)?)\s*(元|万元|万|亿元|亿)?\s*$")


def to_wan(value: Any) -> Decimal:
    """An amount as Decimal 万元. Numbers are already 万元; strings may carry 元/万元/亿元."""
    if isinstance(value, bool):
        raise ValueError("a boolean is not an amount")
    if isinstance(value, int | float | Decimal):
        return Decimal(str(value))
    m = _MONEY.match(str(value))
    if not m:
        raise ValueError(f"not an amount: {value!r}")
    number = Decimal(m.group(1).replace(",", "").replace("，", ""))
    wan = number * _UNIT[m.group(2) or "万元"]
    # 元 → 万元 multiplies by 0.0001; drop the trailing zeros that adds, keep plain notation.
    return Decimal(format(wan.normalize(), "f")) if m.group(2) == "元" else wan


def fact_types(pack: Pack | None) -> dict[str, str]:
    """fact name → type (boolean, money, date, string, enum, integer, number)."""
    props = resources.schema("facts")["properties"]
    types: dict[str, str] = {}
    for name, spec in props.items():
        ref = spec.get("$ref", "")
        if ref.endswith("/money"):
            types[name] = "money"
        elif ref.endswith("/date"):
            types[name] = "date"
        elif "enum" in spec:
            types[name] = "enum"
        else:
            types[name] = spec.get("type", "string")
    if pack:
        types.update({f.name: f.type for f in pack.facts})
    return types


def fact_titles(pack: Pack | None) -> dict[str, str]:
    props = resources.schema("facts")["properties"]
    titles = {n: s.get("description", n).split(",")[0] for n, s in props.items()}
    if pack:
        titles.update({f.name: f.title for f in pack.facts})
    return titles


def facts_schema(pack: Pack | None) -> dict[str, Any]:
    """The shared facts schema extended with the pack's declared facts."""
    sch = copy.deepcopy(resources.schema("facts"))
    if pack:
        for f in pack.facts:
            prop: dict[str, Any]
            if f.type == "money":
                prop = {"$ref": "#/$defs/money"}
            elif f.type == "date":
                prop = {"$ref": "#/$defs/date"}
            elif f.type == "enum":
                prop = {"enum": list(f.values)}
            else:
                prop = {"type": f.type}
            sch["properties"][f.name] = prop
    return sch


def validate_facts(raw: Any, pack: Pack | None, path: str = "facts") -> Facts:
    """Validate raw facts (as loaded from YAML) and return typed values; FactsError on any problem."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise FactsError("facts must be a mapping of name: value", path=path)
    import jsonschema  # here, not at the top: parse sandboxes import this module and never validate

    validator = jsonschema.Draft202012Validator(facts_schema(pack))
    errors = sorted(validator.iter_errors(dict(raw)), key=lambda e: list(e.absolute_path))
    if errors:
        err = errors[0]
        where = "/" + "/".join(str(p) for p in err.absolute_path)
        msg = err.message
        if err.validator == "additionalProperties":
            known = ", ".join(sorted(fact_types(pack)))
            msg = f"{msg}; known facts: {known}"
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise FactsError(msg[:600] + more, path=path, where=where)
    return typed(raw, pack, path)


def typed(raw: Mapping[str, Any], pack: Pack | None, path: str = "facts") -> Facts:
    types = fact_types(pack)
    out: Facts = {}
    for name, value in raw.items():
        if value is None:
            continue
        kind = types.get(name, "string")
        try:
            if kind == "money":
                out[name] = to_wan(value)
            elif kind == "date":
                out[name] = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
            elif kind == "number":
                out[name] = Decimal(str(value))
            else:
                out[name] = value
        except (ValueError, InvalidOperation) as exc:
            raise FactsError(str(exc), path=path, where=f"/{name}") from None
    return out


def load_facts(path: Path, pack: Pack | None = None) -> Facts:
    raw = load_yaml_file(path, FactsError)
    return validate_facts(raw, pack, str(path))


def to_jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else str(value.normalize())
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
