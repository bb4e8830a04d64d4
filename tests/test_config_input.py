"""Hostile and odd input at the config loader: every outcome is a positioned problem."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_process import run_reconciler

from reconciler.config import files, load_config, tree
from reconciler.config.durations import MAX_DURATION_DAYS
from reconciler.errors import ConfigError
from reconciler.model import Assignee

ROOT = Path(__file__).parent.parent


@pytest.fixture(params=["libyaml", "pure"])
def parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Runs a test with libyaml's parser (when installed) and with ruamel's own."""
    if request.param == "pure":
        monkeypatch.setattr(tree, "_FAST", False)
    elif not tree._FAST:
        pytest.skip("ruamel.yaml.clib is not installed")
    yield request.param


def problems_of(*paths: str | Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_config(list(paths))
    return [str(p) for p in caught.value.problems]


def write(tmp_path: Path, text: str, name: str = "c.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


MERGE_USERS = """\
version: 1
users:
  base: &base
    alice: alice@example.com
  <<: *base
"""
MERGE_RULE = """\
version: 1
rules:
  - &payments
    name: payments
    query: service:payments
    state: RESOLVED
  - <<: *payments
    name: payments-2
"""
MERGE_PIN = """\
version: 1
issues:
  c1726a66-1f64-11ee-b338-da7ad0900002: &pin
    state: RESOLVED
  c1726a66-1f64-11ee-b338-da7ad0900003:
    <<: *pin
"""


@pytest.mark.parametrize(
    ("text", "position"),
    [
        pytest.param(MERGE_USERS, "5:3", id="users"),
        pytest.param(MERGE_RULE, "7:5", id="rule"),
        pytest.param(MERGE_PIN, "6:5", id="pin"),
    ],
)
def test_merge_key_is_reported_at_its_position(
    tmp_path: Path, parser: str, text: str, position: str
) -> None:
    path = write(tmp_path, text)
    assert problems_of(path) == [
        f"{path}:{position}: merge keys (<<) are not supported: write the keys out in this "
        "mapping, so that every key has a position of its own"
    ]


def test_anchors_and_aliases_without_merge_keys_still_load(tmp_path: Path, parser: str) -> None:
    path = write(
        tmp_path,
        "version: 1\nusers:\n  ops: &ops ops@example.com\nrules:\n"
        "  - {name: a, query: x, assignee: *ops}\n",
    )
    assert load_config([path]).rules[0].assignee == Assignee("ops@example.com")


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("[" * 1000 + "]" * 1000, id="flow-1000"),
        pytest.param("[" * 200_000, id="flow-200000-unclosed"),
        pytest.param("".join(f"\n{'  ' * i}k{i}:" for i in range(1000)) + " x", id="block-1000"),
        pytest.param("\n  " + "- " * 1000 + "x", id="block-sequences-1000"),
    ],
)
def test_thousand_deep_nesting_is_a_problem(tmp_path: Path, parser: str, body: str) -> None:
    path = write(tmp_path, f"version: 1\nrules: {body}\n")
    [problem] = problems_of(path)
    assert problem.startswith(f"{path}:")
    assert "nesting deeper than 64 levels" in problem


def test_nesting_problem_names_the_collection_past_the_limit(tmp_path: Path) -> None:
    path = write(tmp_path, "version: 1\nrules: " + "[" * 100 + "]" * 100 + "\n")
    [problem] = problems_of(path)
    # The top mapping is the first level, so the 64th '[' would be the 65th.
    assert problem.startswith(f"{path}:2:{len('rules: ') + 64}: nesting deeper than 64 levels")


def test_integer_with_thousands_of_digits_is_a_problem(tmp_path: Path, parser: str) -> None:
    path = write(tmp_path, "version: 1\ndefaults:\n  max_changes: " + "9" * 5000 + "\n")
    assert problems_of(path) == [
        f"{path}:3:16: a number with 5000 digits is beyond any setting (at most 30 digits); "
        "quote it if it is text"
    ]


def test_duration_with_thousands_of_digits_is_a_problem(tmp_path: Path) -> None:
    path = write(tmp_path, "version: 1\ndefaults:\n  window: " + "9" * 5000 + "d\n")
    [problem] = problems_of(path)
    assert problem.startswith(f"{path}:3:11: defaults: window: '99999")
    assert f"a duration is at most ten years ({MAX_DURATION_DAYS}d), not 5000 digits" in problem
    assert len(problem) < 300


@pytest.mark.parametrize(
    ("window", "valid"),
    [
        pytest.param(f"{MAX_DURATION_DAYS}d", True, id="ten-years"),
        pytest.param("521w", True, id="521-weeks"),
        pytest.param(f"{MAX_DURATION_DAYS + 1}d", False, id="ten-years-and-a-day"),
        pytest.param("999999999w", False, id="a-billion-weeks"),
        pytest.param("0000000000000000000000001h", True, id="leading-zeros"),
    ],
)
def test_a_window_is_at_most_ten_years(tmp_path: Path, window: str, valid: bool) -> None:
    path = write(
        tmp_path,
        f"version: 1\nrules:\n  - {{name: r, query: x, state: RESOLVED, window: {window}}}\n",
    )
    if valid:
        load_config([path])
        return
    [problem] = problems_of(path)
    assert f"a duration is at most ten years ({MAX_DURATION_DAYS}d)" in problem


@pytest.mark.parametrize(
    ("text", "position", "message"),
    [
        pytest.param("version: 1\nx: !foo bar\n", "2:4", "the tag !foo is not supported", id="tag"),
        pytest.param(
            "version: 1\nrules: !!set {a}\n", "2:8", "the tag !!set is not supported", id="set"
        ),
        pytest.param(
            "version: 1\nnote: 2024-13-01\n", "2:7", "'2024-13-01' is not a valid date", id="date"
        ),
        pytest.param(
            "version: 1\nx: !!int twelve\n", "2:4", "!!int 'twelve' is not an integer", id="int-tag"
        ),
        pytest.param(
            "version: 1\nx: *nowhere\n", "2:4", "alias *nowhere has no anchor &nowhere", id="alias"
        ),
        pytest.param(
            "version: 1\nx: &a [*a]\n", "2:8", "alias *a is inside its own anchor &a", id="self"
        ),
        pytest.param(
            "version: 1\n? [a, b]\n: x\n",
            "2:3",
            "a key must be a plain value, not a list",
            id="key",
        ),
        pytest.param(
            "version: 1\n---\nversion: 1\n", "2:1", "a second YAML document (---)", id="documents"
        ),
    ],
)
def test_yaml_features_a_config_does_not_use_are_problems(
    tmp_path: Path, parser: str, text: str, position: str, message: str
) -> None:
    path = write(tmp_path, text)
    [problem] = problems_of(path)
    assert problem.startswith(f"{path}:{position}: {message}")


def test_colon_inside_a_flow_scalar_parses_as_ruamel_reads_it(tmp_path: Path) -> None:
    # libyaml refuses 'service:payments-*' inside {...}; ruamel (YAML 1.2) reads it.
    path = write(
        tmp_path, "version: 1\nrules: [{name: r, query: service:payments-*, state: RESOLVED}]\n"
    )
    assert load_config([path]).rules[0].query == "service:payments-*"


def test_syntax_errors_read_the_same_with_either_parser(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, "version: 1\nrules:\n  - name: a\n    query: [service:x\n    x: 1\n")
    with_libyaml = problems_of(path)
    monkeypatch.setattr(tree, "_FAST", False)
    assert problems_of(path) == with_libyaml


def test_huge_value_is_cut_in_its_message(tmp_path: Path) -> None:
    path = write(
        tmp_path, "version: 1\nrules:\n  - {name: r, query: x, state: " + "X" * 100_000 + "}\n"
    )
    [problem] = problems_of(path)
    assert "not the string 'XXXX" in problem
    assert len(problem) < 300


def test_every_file_is_parsed_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    parsed: list[str] = []
    real = tree._attempt

    def counting(name: str, text: str, *, pure: bool) -> tuple[object, object]:
        parsed.append(name)
        return real(name, text, pure=pure)

    monkeypatch.setattr(tree, "_attempt", counting)
    load_config([ROOT / "examples"])
    assert sorted(parsed) == sorted(str(p) for p in (ROOT / "examples").glob("*.yaml"))


# --------------------------------------------------------------------------- paths


def test_symlink_loop_in_a_directory_is_a_problem(tmp_path: Path) -> None:
    write(tmp_path, "version: 1\n", "a.yaml")
    (tmp_path / "loop.yaml").symlink_to("loop.yaml")
    assert problems_of(tmp_path) == [
        f"{tmp_path}/loop.yaml:1:1: cannot read the file: a loop of symbolic links"
    ]


def test_symlink_loop_given_as_the_path_is_a_problem(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").symlink_to("b.yaml")
    (tmp_path / "b.yaml").symlink_to("a.yaml")
    assert problems_of(tmp_path / "a.yaml") == [
        f"{tmp_path}/a.yaml:1:1: cannot read the file: a loop of symbolic links"
    ]


def test_broken_symlink_is_a_problem(tmp_path: Path) -> None:
    (tmp_path / "gone.yaml").symlink_to(tmp_path / "nowhere.yaml")
    [problem] = problems_of(tmp_path)
    assert problem.startswith(f"{tmp_path}/gone.yaml:1:1: no such file or directory (a symbolic")


def test_directory_named_like_a_config_inside_a_directory_is_a_problem(tmp_path: Path) -> None:
    write(tmp_path, "version: 1\n", "a.yaml")
    (tmp_path / "b.yaml").mkdir()
    assert problems_of(tmp_path) == [
        f"{tmp_path}/b.yaml:1:1: not a regular file (a directory); a config is a regular "
        "*.yaml file"
    ]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
@pytest.mark.parametrize("given", ["file", "directory"])
def test_fifo_is_refused_without_hanging(tmp_path: Path, given: str) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    path = fifo if given == "file" else tmp_path
    done = run_reconciler(["validate", str(path)])
    assert done.returncode == 1
    assert f"{fifo}:1:1: not a regular file (a named pipe)" in done.stderr


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_dev_zero_is_refused() -> None:
    assert problems_of("/dev/zero") == [
        "/dev/zero:1:1: not a regular file (a character device); a config is a regular *.yaml file"
    ]


def test_file_past_the_size_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    with path.open("wb") as handle:
        handle.write(b"version: 1\n# ")
        handle.truncate(files.MAX_FILE_BYTES + 1)  # sparse: nothing is written to disk
    assert problems_of(path) == [
        f"{path}:1:1: the file is larger than 16 MiB, the limit for one config file; split it "
        "into several files in a directory"
    ]


def test_file_at_the_size_limit_is_read(tmp_path: Path) -> None:
    path = tmp_path / "full.yaml"
    head = b"version: 1\n#"
    path.write_bytes(head + b" " * (files.MAX_FILE_BYTES - len(head) - 1) + b"\n")
    assert load_config([path]).files == (str(path),)


def test_nul_byte_in_a_path_is_a_problem() -> None:
    [problem] = problems_of("bad\0name.yaml")
    assert "cannot read the file" in problem


def test_byte_order_mark_is_allowed(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbfversion: 1\nrules:\n  - {name: a, query: x, state: RESOLVED}\n")
    assert load_config([path]).rules[0].name == "a"


UUID = "c1726a66-1f64-11ee-b338-da7ad0900002"


def test_a_uuid_followed_by_a_newline_is_neither_a_pin_id_nor_a_user_id(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        f'version: 1\nissues:\n  "{UUID}\\n":\n    state: RESOLVED\n'
        f'rules:\n  - {{name: a, query: x, assignee: "{UUID}\\n", assign: always}}\n',
    )
    pin, user = problems_of(path)
    assert pin.startswith(f"{path}:3:3: ") and f"the issue id '{UUID}\\n' is not a UUID" in pin
    assert user.startswith(f"{path}:6:35: ") and "unknown alias" in user
