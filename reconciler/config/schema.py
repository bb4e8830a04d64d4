"""The JSON Schema (draft 2020-12) of the config format, generated from the field kinds.

Each place of `fields.Place` becomes a `$defs` entry (the top level is the schema
itself): its fields as `properties` with their doc line and default, required keys,
no other keys, and the cross-field checks a schema can say as `allOf`. What only
the validator can check (names unique across files, aliases defined, queries that
parse, ten-year durations, first_seen before last_seen) is left to `validate`.
"""

from __future__ import annotations

import json
from typing import Any, assert_never

from reconciler.config import kinds
from reconciler.config.crosschecks import checks_of
from reconciler.config.durations import MAX_DURATION_DIGITS
from reconciler.config.fields import Field, fields_of
from reconciler.config.kinds import Kind, Place

DRAFT = "https://json-schema.org/draft/2020-12/schema"
NON_BLANK = r"\S"
# A positive integer of at most MAX_DURATION_DIGITS digits (leading zeros aside) and a unit.
DURATION = rf"^0*[1-9][0-9]{{0,{MAX_DURATION_DIGITS - 1}}}[smhdw]$"
_NESTED = (Place.DEFAULTS, Place.RULE, Place.PIN, Place.TEST, Place.SAMPLE, Place.EXPECT)


def build_schema() -> dict[str, Any]:
    """The JSON Schema of a config file, from `fields.FIELDS` and `crosschecks.CHECKS`."""
    return {
        "$schema": DRAFT,
        "title": "reconciler configuration (version 1)",
        "description": (
            "Datadog Error Tracking triage as code: rules, pins and rule tests. "
            "`reconciler validate` checks what a schema cannot (unique names, aliases, queries)."
        ),
        **_mapping(Place.TOP),
        "$defs": {place.value: _mapping(place) for place in _NESTED},
    }


def schema_text() -> str:
    """`build_schema()` as the text `reconciler schema` prints, ending with a newline."""
    return json.dumps(build_schema(), indent=2, ensure_ascii=False) + "\n"


def _ref(place: Place) -> dict[str, str]:
    return {"$ref": f"#/$defs/{place.value}"}


def _mapping(place: Place) -> dict[str, Any]:
    fields = fields_of(place)
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {key: _property(field) for key, field in fields.items()},
    }
    required = [key for key, field in fields.items() if field.required]
    if required:
        schema["required"] = required
    schema["additionalProperties"] = False
    checks = [dict(check.schema) for check in checks_of(place) if check.schema is not None]
    if checks:
        schema["allOf"] = checks
    return schema


def _property(field: Field) -> dict[str, Any]:
    schema = {"description": field.doc, **_kind(field.kind)}
    if field.default is not None:
        schema["default"] = field.default
    return schema


def _kind(kind: Kind) -> dict[str, Any]:
    if isinstance(kind, kinds.Version):
        return {"const": 1}
    if isinstance(kind, kinds.Text):
        return {"type": "string", "pattern": f"^{kind.pattern}$" if kind.pattern else NON_BLANK}
    if isinstance(kind, kinds.Query):
        return {"type": "string", "pattern": NON_BLANK}
    if isinstance(kind, kinds.Duration):
        return {"type": "string", "pattern": DURATION}
    if isinstance(kind, kinds.Count):
        return {"type": "integer", "minimum": 1}
    if isinstance(kind, kinds.Flag):
        return {"type": "boolean"}
    if isinstance(kind, kinds.Choice):
        return {"type": "string", "enum": list(kind.values)}
    if isinstance(kind, kinds.ChoiceList):
        return {"type": "array", "items": {"enum": list(kind.values)}, "minItems": 1}
    if isinstance(kind, kinds.TextList):
        return {"type": "array", "items": {"type": "string", "pattern": NON_BLANK}}
    if isinstance(kind, kinds.UserRef):
        return {"type": ["string", "null"], "pattern": NON_BLANK}
    if isinstance(kind, kinds.Uuid):
        return {"type": "string", "pattern": f"^{kinds.UUID_PATTERN}$"}
    if isinstance(kind, kinds.Section):
        return (
            {"anyOf": [_ref(kind.place), {"type": "null"}]} if kind.nullable else _ref(kind.place)
        )
    if isinstance(kind, kinds.Sections):
        return {"type": ["array", "null"], "items": _ref(kind.place)}
    if isinstance(kind, kinds.Aliases):
        plain_name = {"not": {"anyOf": [{"pattern": "@"}, {"pattern": f"^{kinds.UUID_PATTERN}$"}]}}
        return {
            "type": ["object", "null"],
            "propertyNames": plain_name,
            "additionalProperties": {"type": "string", "pattern": NON_BLANK},
        }
    if isinstance(kind, kinds.Pins):
        return {
            "type": ["object", "null"],
            "propertyNames": {"pattern": f"^{kinds.UUID_PATTERN}$"},
            "additionalProperties": _ref(Place.PIN),
        }
    assert_never(kind)
