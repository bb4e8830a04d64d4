"""The JSON Schema of `reconciler schema`: generated from the field table, agreeing with it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner
from ruamel.yaml import YAML

from reconciler.cli import cli
from reconciler.config import crosschecks, fields, kinds, load_config
from reconciler.config.schema import build_schema, schema_text
from reconciler.errors import ConfigError

ROOT = Path(__file__).parent.parent
COMMITTED = ROOT / "schema" / "reconciler.schema.json"
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
FIXTURES = ROOT / "tests" / "fixtures" / "config"
SCHEMA_COMMENT = "# yaml-language-server: $schema=../schema/reconciler.schema.json\n"

# Bad fixtures whose problem no JSON Schema can state, and why. Every other bad
# fixture must be rejected by the schema; each of these must be accepted by it
# (so the list stays honest) and rejected by `validate`.
NOT_EXPRESSIBLE = {
    "duplicate_rule_name.yaml": "names unique within a list: a schema compares whole items",
    "test_duplicate_name.yaml": "names unique within a list: a schema compares whole items",
    "unknown_alias.yaml": "whether an alias is defined under users: is a reference, not a shape",
    "test_expect_unknown_alias.yaml": "whether an alias is defined is a reference, not a shape",
    "query_does_not_parse.yaml": "the query language is a grammar of its own",
    "duration_over_ten_years.yaml": "ten years is arithmetic on the unit",
    "test_first_seen_after_last_seen.yaml": "comparing two durations is arithmetic",
    "merge_key.yaml": "a merge key is gone once YAML is read into JSON data",
    "duplicate_pin": "spans files: the schema sees one file at a time",
    "conflicting_alias": "spans files: the schema sees one file at a time",
    "empty_dir": "no file to check",
}
# Fixtures that are not YAML a JSON Schema can be applied to at all.
NOT_JSON_DATA = {
    "yaml_syntax_error.yaml": "not YAML",
    "duplicate_yaml_key.yaml": "a mapping with a key twice has no JSON form",
}


def validator() -> jsonschema.protocols.Validator:
    schema = build_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=None)


def data_of(path: Path) -> Any:
    return YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))


def schema_errors(path: Path) -> list[str]:
    return [error.message for error in validator().iter_errors(data_of(path))]


def bad_fixtures() -> list[Path]:
    return sorted((FIXTURES / "bad").iterdir())


def test_committed_schema_is_what_the_command_prints() -> None:
    result = CliRunner().invoke(cli, ["schema"])
    assert result.exit_code == 0, result.output
    assert result.output == schema_text() == COMMITTED.read_text(encoding="utf-8"), (
        "schema/reconciler.schema.json is stale: run `reconciler schema > "
        "schema/reconciler.schema.json`"
    )
    assert json.loads(result.output)["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(build_schema())


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_schema_accepts_every_example(path: Path) -> None:
    assert schema_errors(path) == []


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_every_example_starts_with_the_schema_comment(path: Path) -> None:
    assert path.read_text(encoding="utf-8").startswith(SCHEMA_COMMENT)
    assert (path.parent / "../schema/reconciler.schema.json").resolve() == COMMITTED.resolve()


GOOD = sorted(p for p in (FIXTURES / "good").rglob("*.y*ml") if not p.name.startswith("."))


@pytest.mark.parametrize("path", GOOD, ids=[p.name for p in GOOD])
def test_schema_accepts_every_good_fixture(path: Path) -> None:
    assert schema_errors(path) == []


@pytest.mark.parametrize("path", bad_fixtures(), ids=[p.name for p in bad_fixtures()])
def test_schema_rejects_every_bad_fixture_whose_problem_it_can_state(path: Path) -> None:
    files = sorted(path.glob("*.yaml")) if path.is_dir() else [path]
    with pytest.raises(ConfigError):
        load_config([path])
    if path.name in NOT_JSON_DATA:
        return
    errors = [message for file in files for message in schema_errors(file)]
    if path.name in NOT_EXPRESSIBLE:
        assert errors == [], f"{path.name} is rejected by the schema: drop it from the list"
    else:
        assert errors, f"the schema accepts {path.name}"


def test_the_lists_of_inexpressible_fixtures_name_real_fixtures() -> None:
    names = {p.name for p in bad_fixtures()}
    assert set(NOT_EXPRESSIBLE) | set(NOT_JSON_DATA) <= names


def test_every_place_and_check_is_in_the_schema() -> None:
    schema = build_schema()
    assert set(schema["$defs"]) == {p.value for p in kinds.Place} - {kinds.Place.TOP.value}
    rule = schema["$defs"]["rule"]
    assert rule["required"] == ["name", "query"]
    assert rule["additionalProperties"] is False
    stated = [c for c in crosschecks.CHECKS if c.schema is not None]
    placed = [
        fragment
        for place in kinds.Place
        for fragment in (schema if place is kinds.Place.TOP else schema["$defs"][place.value]).get(
            "allOf", []
        )
    ]
    assert len(placed) == sum(len(c.places) for c in stated)
    assert [c.name for c in crosschecks.CHECKS if c.schema is None] == [
        "first-seen-before-last-seen"
    ]


def test_a_key_added_to_the_table_is_known_to_the_validator_and_the_schema(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rule = "version: 1\nrules:\n  - {name: r, query: x, state: RESOLVED, team: %s}\n"
    path = tmp_path / "c.yaml"
    path.write_text(rule % "payments")
    with pytest.raises(ConfigError, match="unknown key 'team'"):
        load_config([path])
    assert schema_errors(path)

    team = fields.Field("team", kinds.Text(), "The owning team.", frozenset({kinds.Place.RULE}))
    monkeypatch.setattr(fields, "FIELDS", (*fields.FIELDS, team))

    load_config([path])
    assert schema_errors(path) == []
    assert build_schema()["$defs"]["rule"]["properties"]["team"] == {
        "description": "The owning team.",
        "type": "string",
        "pattern": r"\S",
    }
    path.write_text(rule % "[a, b]")
    with pytest.raises(ConfigError, match="team must be a string, not a list"):
        load_config([path])
    assert schema_errors(path)
    path.write_text(rule.replace("team:", "tem:") % "x")
    with pytest.raises(ConfigError, match="unknown key 'tem'; did you mean 'team'"):
        load_config([path])


def test_the_schema_loads_without_the_network_stack_or_a_yaml_parser() -> None:
    code = (
        "import sys\n"
        "from reconciler.config.schema import schema_text\n"
        "schema_text()\n"
        "heavy = ('httpx', 'deepdiff', 'starlette', 'uvicorn', 'ruamel', 'reconciler.query')\n"
        "print(sorted(m for m in sys.modules if m.startswith(heavy)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.stdout.strip() == "[]"
