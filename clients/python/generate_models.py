#!/usr/bin/env python3
"""Writes src/agentline/models.py from the server's OpenAPI document (stdlib only).

    python3 clients/python/generate_models.py           # regenerate
    python3 clients/python/generate_models.py --check   # exit 1 when models.py is stale

Every object schema of docs/openapi.json becomes a dataclass. Every field is optional (default
None) and unknown fields are kept in `extra`, so an answer from a newer server, with fields this
client does not know yet, still reads; `raw` keeps the answer exactly as received.
"""
from __future__ import annotations

import json
import keyword
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SPEC = HERE.parent.parent / "docs" / "openapi.json"
OUT = HERE / "src" / "agentline" / "models.py"

SCALARS = {"string": "str", "integer": "int", "number": "float", "boolean": "bool", "object": "Dict[str, Any]"}


def ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


class Gen:
    def __init__(self, doc: dict) -> None:
        self.schemas = doc["components"]["schemas"]

    def is_model(self, name: str) -> bool:
        return bool(self.properties(self.schemas[name])) and not name.startswith("List_")

    def properties(self, schema: dict) -> dict:
        """The properties of an object schema, allOf parts merged in order."""
        props: dict = {}
        for part in schema.get("allOf", []):
            if "$ref" in part:
                props.update(self.properties(self.schemas[ref_name(part["$ref"])]))
            else:
                props.update(self.properties(part))
        props.update(schema.get("properties", {}))
        return props

    def required(self, schema: dict) -> list:
        req = list(schema.get("required", []))
        for part in schema.get("allOf", []):
            target = self.schemas[ref_name(part["$ref"])] if "$ref" in part else part
            req += self.required(target)
        return req

    def py_type(self, schema: dict) -> tuple[str, str, str | None]:
        """(annotation, conversion kind, model name) of a property schema."""
        if "$ref" in schema:
            name = ref_name(schema["$ref"])
            if self.is_model(name):
                return name, "model", name
            target = self.schemas[name]
            if "enum" in target or target.get("type") == "string":
                return "str", "plain", None
            if "oneOf" in target:
                return "Dict[str, Any]", "plain", None
            return self.py_type(target)
        if "oneOf" in schema or "anyOf" in schema:
            options = [o for o in schema.get("oneOf", schema.get("anyOf", [])) if o.get("type") != "null"]
            if len(options) == 1:
                return self.py_type(options[0])
            return "Any", "plain", None
        kind = schema.get("type")
        if isinstance(kind, list):
            kinds = [k for k in kind if k != "null"]
            kind = kinds[0] if len(kinds) == 1 else None
        if kind == "array":
            item, item_kind, model = self.py_type(schema.get("items", {}))
            return f"List[{item}]", ("list_model" if item_kind == "model" else "plain"), model
        return SCALARS.get(kind, "Any"), "plain", None

    def model(self, name: str) -> str:
        schema = self.schemas[name]
        props = self.properties(schema)
        required = set(self.required(schema))
        lines = ["", "", "@dataclass(repr=False)", f"class {name}(Model):"]
        doc = (schema.get("description") or "").strip().replace('"""', "'''")
        if doc:
            lines.append(f'    """{doc}"""')
        lines.append("")
        spec = []
        for key in sorted(props):
            annotation, kind, model = self.py_type(props[key])
            attr = key + "_" if keyword.iskeyword(key) or key in ("extra", "raw") else key
            note = "  # required" if key in required else ""
            lines.append(f"    {attr}: Optional[{annotation}] = None{note}")
            spec.append(f"        {attr!r}: ({key!r}, {kind!r}, {model!r}),")
        lines.append("")
        lines.append("    _fields: ClassVar[Dict[str, Tuple[str, str, Optional[str]]]] = {")
        lines += spec
        lines.append("    }")
        return "\n".join(lines)

    def render(self) -> str:
        names = sorted(n for n in self.schemas if self.is_model(n))
        enums = sorted(n for n, s in self.schemas.items() if "enum" in s)
        out = [
            '"""Typed models of the agentline API, generated from docs/openapi.json.',
            "",
            "Do not edit: run `python3 clients/python/generate_models.py` after changing the API.",
            '"""',
            "# fmt: off",
            "from __future__ import annotations",
            "",
            "from dataclasses import dataclass",
            "from typing import Any, ClassVar, Dict, List, Optional, Tuple",
            "",
            "from ._model import Model",
            "",
            "__all__ = [",
        ]
        out += [f"    {n!r}," for n in names + enums]
        out.append("]")
        for name in enums:
            values = ", ".join(repr(v) for v in self.schemas[name]["enum"])
            out += ["", f"#: The values of `{name}` the server knew when this client was generated (more may come).", f"{name} = ({values},)"]
        for name in names:
            out.append(self.model(name))
        out.append("")
        return "\n".join(out)


def main() -> int:
    text = Gen(json.loads(SPEC.read_text())).render()
    if "--check" in sys.argv:
        if OUT.read_text() != text:
            print(f"{OUT} is stale: run python3 clients/python/generate_models.py", file=sys.stderr)
            return 1
        print(f"{OUT.name} matches {SPEC.name}")
        return 0
    OUT.write_text(text)
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
