"""Property-based tests of the config loader: whatever the bytes, a Config or a ConfigError.

Bounded (few examples, no deadline) so the suite stays fast; `benchmarks/fuzz_config.py`
runs the same idea for as long as one likes.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from reconciler.config import load_config, tree
from reconciler.errors import ConfigError

ROOT = Path(__file__).parent.parent
SEEDS = sorted(
    [*ROOT.glob("examples/*.yaml"), *ROOT.glob("tests/fixtures/config/**/*.yaml")],
    key=str,
)
SEED_TEXTS = [p.read_text(encoding="utf-8") for p in SEEDS if p.is_file()]

# What YAML is made of, and what this format cares about.
TOKENS = [
    *"abcxyz019 :-[]{},&*!|>'\"#\n\t?%@`~.\\",
    "<<: *a\n",
    "&a ",
    "*a",
    "!!int ",
    "!!str ",
    "!foo ",
    "9" * 40,
    "[" * 70,
    "---\n",
    "? ",
    "null",
    "~",
    "true",
    "2024-13-01",
    "\u00e9",
    "\x00",
    "\ufeff",
    "version: 1\n",
    "state: OPEN",
    "assignee: null",
    "from_states: []",
    "window: 999999999w",
    "query: '(a OR'",
    "c1726a66-1f64-11ee-b338-da7ad0900002",
    "tests:\n  - {name: t, issue: {}, expect: {}}\n",
]
KEYS = [
    "version",
    "defaults",
    "users",
    "rules",
    "issues",
    "tests",
    "name",
    "query",
    "track",
    "persona",
    "window",
    "grace",
    "from_states",
    "state",
    "assignee",
    "assign",
    "note",
    "max_changes",
    "resolve_regressions",
    "allow_exclude",
    "issue",
    "expect",
    "service",
    "first_seen",
    "last_seen",
    "id",
    "c1726a66-1f64-11ee-b338-da7ad0900002",
]
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=True),
    st.sampled_from(["OPEN", "IGNORED", "EXCLUDED", "trace", "ALL", "always", "30d", "0s", "*"]),
    st.sampled_from(["alice", "a@b.c", "1b0b4e1c-53c4-4d8a-9b8e-0c3a1f6d2e7a", "1h", "x y"]),
    st.text(max_size=20),
)
DOCUMENTS = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(
            st.one_of(st.sampled_from(KEYS), st.text(max_size=8)), children, max_size=5
        ),
    ),
    max_leaves=30,
)

BOUNDED = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def load_outcome(path: Path, text: str) -> None:
    """Load `text` from `path`: success or ConfigError, and nothing else, is the property."""
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        load_config([path])
    except ConfigError as exc:
        assert exc.problems
        for problem in exc.problems:
            assert problem.line >= 1
            assert problem.col >= 1
            assert problem.file == str(path)


@st.composite
def mutated(draw: st.DrawFn) -> str:
    """A seed config with a few insertions, deletions, replacements and line copies."""
    text = draw(st.sampled_from(SEED_TEXTS))
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        at = draw(st.integers(min_value=0, max_value=len(text)))
        action = draw(st.sampled_from(["insert", "delete", "replace", "copy-line"]))
        token = draw(st.sampled_from(TOKENS))
        if action == "insert":
            text = text[:at] + token + text[at:]
        elif action == "delete":
            text = text[:at] + text[at + draw(st.integers(min_value=1, max_value=20)) :]
        elif action == "replace":
            text = text[:at] + token + text[at + len(token) :]
        else:
            lines = text.splitlines(keepends=True) or [""]
            line = lines[at % len(lines)]
            lines.insert(draw(st.integers(min_value=0, max_value=len(lines))), line)
            text = "".join(lines)
    return text


def dumped(document: Any) -> str:
    stream = io.StringIO()
    YAML(typ="safe", pure=True).dump(document, stream)
    return stream.getvalue()


@pytest.fixture(params=["libyaml", "pure"])
def parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "pure":
        monkeypatch.setattr(tree, "_FAST", False)
    elif not tree._FAST:
        pytest.skip("ruamel.yaml.clib is not installed")
    return str(request.param)


@BOUNDED
@given(text=st.lists(st.sampled_from(TOKENS), max_size=60).map("".join))
def test_random_yaml_text_is_a_config_or_a_config_error(
    tmp_path: Path, parser: str, text: str
) -> None:
    load_outcome(tmp_path / "random.yaml", text)


@BOUNDED
@given(text=mutated())
def test_mutated_configs_are_a_config_or_a_config_error(
    tmp_path: Path, parser: str, text: str
) -> None:
    load_outcome(tmp_path / "mutated.yaml", text)


@BOUNDED
@given(document=DOCUMENTS)
def test_well_formed_yaml_of_any_shape_is_a_config_or_a_config_error(
    tmp_path: Path, document: Any
) -> None:
    load_outcome(tmp_path / "shaped.yaml", dumped({"version": 1, **_as_top(document)}))


def _as_top(document: Any) -> dict[str, Any]:
    """Random values put under the sections a config has, so the validator reads them."""
    if isinstance(document, dict):
        return {str(k): v for k, v in document.items()}
    return {"rules": [document], "issues": {"c1726a66-1f64-11ee-b338-da7ad0900002": document}}
