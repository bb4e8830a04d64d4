from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from reconciler.config import PIN_KEYS, RULE_KEYS, load_config, parse_duration
from reconciler.errors import ConfigError, DurationError, ReconcilerError
from reconciler.model import (
    Assignee,
    AssignPolicy,
    Config,
    ConfigTest,
    Expectation,
    Persona,
    Pin,
    Rule,
    SampleIssue,
    Source,
    State,
    Track,
    UserReference,
)

FIXTURES = Path(__file__).parent / "fixtures" / "config"
DAY = 86400


@pytest.fixture(autouse=True)
def in_fixtures(monkeypatch: pytest.MonkeyPatch) -> None:
    """Problems name files as the user wrote them, so load with paths relative to here."""
    monkeypatch.chdir(FIXTURES)


def sha256(*names: str) -> str:
    return "sha256:" + hashlib.sha256(b"".join(Path(n).read_bytes() for n in names)).hexdigest()


def problems_of(*paths: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_config(list(paths))
    return [str(p) for p in caught.value.problems]


# --------------------------------------------------------------------------- good configs


def test_contract_example_loads_into_exact_objects() -> None:
    config = load_config(["good/full.yaml"])
    assert config == Config(
        rules=(
            Rule(
                name="payments",
                query="service:payments-* AND @language:python",
                from_states=(State.OPEN,),
                window_s=14 * DAY,
                grace_s=3600,
                source=Source("good/full.yaml", 10, 5),
                track=Track.TRACE,
                persona=None,
                state=State.ACKNOWLEDGED,
                assignee=Assignee("alice@example.com"),
                assign=AssignPolicy.IF_UNASSIGNED,
            ),
        ),
        pins=(
            Pin(
                issue_id="c1726a66-1f64-11ee-b338-da7ad0900002",
                source=Source("good/full.yaml", 21, 3),
                grace_s=3600,
                state=State.RESOLVED,
                assignee=Assignee(None),
                note="fixed by #1234",
            ),
        ),
        max_changes=100,
        digest=sha256("good/full.yaml"),
        files=("good/full.yaml",),
        users={"alice": "alice@example.com"},
    )


def test_builtin_defaults_and_default_from_states() -> None:
    config = load_config(["good/minimal.yaml"])
    source = "good/minimal.yaml"
    assert config.rules == (
        Rule(
            name="legacy-noise",
            query="*",
            from_states=(State.OPEN, State.ACKNOWLEDGED),
            window_s=30 * DAY,
            grace_s=3600,
            source=Source(source, 4, 5),
            persona=Persona.ALL,
            state=State.RESOLVED,
        ),
        Rule(
            name="reopen.ignored_1",
            query="service:checkout",
            from_states=(State.IGNORED,),
            window_s=30 * DAY,
            grace_s=3600,
            source=Source(source, 7, 5),
            persona=Persona.ALL,
            state=State.OPEN,
            assignee=Assignee("1b0b4e1c-53c4-4d8a-9b8e-0c3a1f6d2e7a"),
        ),
        Rule(
            name="unassign",
            query="env:staging",
            from_states=(State.OPEN, State.ACKNOWLEDGED),
            window_s=30 * DAY,
            grace_s=3600,
            source=Source(source, 12, 5),
            persona=Persona.ALL,
            assignee=Assignee(None),
            assign=AssignPolicy.ALWAYS,
        ),
        Rule(
            name="exclude",
            query="service:bots",
            from_states=(State.OPEN, State.IGNORED),
            window_s=30 * DAY,
            grace_s=3600,
            source=Source(source, 16, 5),
            persona=Persona.ALL,
            state=State.EXCLUDED,
            resolve_regressions=True,
            allow_exclude=True,
        ),
    )
    assert config.pins == (
        Pin(
            issue_id="c1726a66-1f64-11ee-b338-da7ad0900003",
            source=Source(source, 22, 3),
            grace_s=3600,
            state=State.EXCLUDED,
        ),
    )
    assert config.max_changes == 100
    assert config.users == {}


def test_directory_loads_sorted_files_with_per_file_defaults_and_global_aliases() -> None:
    config = load_config(["good/dir"])
    base, more = "good/dir/10-base.yaml", "good/dir/20-more.yml"
    assert config.files == (base, more)
    assert config.rules == (
        Rule(
            name="base",
            query="service:api",
            from_states=(State.OPEN, State.ACKNOWLEDGED),
            window_s=7 * DAY,
            grace_s=1800,
            source=Source(base, 11, 5),
            track=Track.LOGS,
            assignee=Assignee("7f3e2a10-0000-4000-8000-000000000001"),
        ),
        Rule(
            name="more",
            query="service:web",
            from_states=(State.OPEN,),
            window_s=30 * DAY,
            grace_s=3600,
            source=Source(more, 7, 5),
            persona=Persona.BROWSER,
            state=State.IGNORED,
            assignee=Assignee("bob-handle"),
            assign=AssignPolicy.ALWAYS,
        ),
        Rule(
            name="more.default",
            query="service:web",
            from_states=(State.OPEN, State.ACKNOWLEDGED),
            window_s=30 * DAY,
            grace_s=3600,
            source=Source(more, 13, 5),
            persona=Persona.ALL,
            state=State.RESOLVED,
        ),
    )
    assert config.pins == (
        Pin(
            issue_id="3c1c4b9e-0000-4000-8000-00000000000a",
            source=Source(more, 17, 3),
            grace_s=3600,
            assignee=Assignee("bob@example.com"),
            resolve_regressions=True,
        ),
    )
    assert config.max_changes == 20
    assert config.users == {"bob": "bob-handle", "carol": "7f3e2a10-0000-4000-8000-000000000001"}
    assert config.digest == sha256(base, more)


def test_rule_track_replaces_default_persona_and_rule_persona_replaces_default_track() -> None:
    config = load_config(["good/full.yaml", "good/dir"])
    scopes = {rule.name: (rule.track, rule.persona) for rule in config.rules}
    assert scopes["payments"] == (Track.TRACE, None)
    assert scopes["more"] == (None, Persona.BROWSER)
    assert scopes["base"] == (Track.LOGS, None)


def test_several_paths_keep_order_digest_and_strictest_max_changes() -> None:
    config = load_config(["good/dir", Path("good/full.yaml")])
    assert [rule.name for rule in config.rules] == ["base", "more", "more.default", "payments"]
    assert config.files == ("good/dir/10-base.yaml", "good/dir/20-more.yml", "good/full.yaml")
    assert config.digest == sha256(*config.files)
    assert config.max_changes == 20
    assert config.users["alice"] == "alice@example.com"


def test_directory_written_with_trailing_slash_names_files_under_it() -> None:
    config = load_config(["good/dir/"])
    assert config.files == ("good/dir/10-base.yaml", "good/dir/20-more.yml")


def test_alias_defined_in_another_file_resolves(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("version: 1\nusers:\n  ops: ops@example.com\n")
    (tmp_path / "b.yaml").write_text(
        "version: 1\nrules:\n  - name: r\n    query: '*'\n    assignee: ops\n"
    )
    config = load_config([tmp_path])
    assert config.rules[0].assignee == Assignee("ops@example.com")
    assert config.files == (str(tmp_path / "a.yaml"), str(tmp_path / "b.yaml"))


def test_key_sets_match_the_contract() -> None:
    assert set(PIN_KEYS) == {"state", "assignee", "note", "resolve_regressions"}
    assert {"name", "query", "track", "persona", "window", "from_states", "state"} < set(RULE_KEYS)
    assert {"assignee", "assign", "resolve_regressions", "allow_exclude"} < set(RULE_KEYS)


# --------------------------------------------------------------------------- durations


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        pytest.param("90s", 90, id="seconds"),
        pytest.param("15m", 900, id="minutes"),
        pytest.param("1h", 3600, id="hours"),
        pytest.param("30d", 30 * DAY, id="days"),
        pytest.param("2w", 14 * DAY, id="weeks"),
    ],
)
def test_parse_duration(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("", id="empty"),
        pytest.param("30", id="no-unit"),
        pytest.param("d", id="no-number"),
        pytest.param("0s", id="zero"),
        pytest.param("-1d", id="negative"),
        pytest.param("1.5h", id="fraction"),
        pytest.param("30D", id="upper-case-unit"),
        pytest.param(" 30d", id="leading-space"),
        pytest.param("1y", id="unknown-unit"),
    ],
)
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(DurationError) as caught:
        parse_duration(text)
    assert isinstance(caught.value, ReconcilerError)
    assert isinstance(caught.value, ValueError)
    assert "e.g. 30d" in str(caught.value)


# --------------------------------------------------------------------------- bad configs

BAD_CASES = [
    ("unknown_key_in_rule.yaml", "6:5", "unknown key 'assigne'; did you mean 'assignee'?"),
    ("unknown_key_in_pin.yaml", "5:5", "unknown key 'window' (expected one of: state,"),
    ("unknown_top_level_key.yaml", "2:1", "unknown key 'rule'; did you mean 'rules'?"),
    ("duplicate_rule_name.yaml", "6:11", "duplicate rule name 'payments', first at "),
    ("open_without_from_states.yaml", "5:12", "state OPEN needs from_states"),
    ("null_assignee_if_unassigned.yaml", "5:15", "add assign: always"),
    ("excluded_without_allow_exclude.yaml", "5:12", "allow_exclude: true"),
    ("malformed_pin_uuid.yaml", "3:3", "is not a UUID"),
    ("unknown_alias.yaml", "7:15", "unknown alias 'alicia'"),
    ("query_does_not_parse.yaml", "4:44", "query does not parse: dangling OR"),
    ("track_and_persona.yaml", "6:5", "sets both track and persona"),
    ("track_and_persona_in_defaults.yaml", "4:3", "defaults: sets both track and persona"),
    ("bad_duration.yaml", "5:13", "'2 weeks' is not a duration"),
    ("zero_duration.yaml", "3:10", "a duration must be positive"),
    ("bad_state_enum.yaml", "5:12", "state must be one of OPEN, ACKNOWLEDGED, RESOLVED"),
    ("bad_track_enum.yaml", "3:10", "track must be one of trace, logs, rum"),
    ("bad_assign_enum.yaml", "6:13", "assign must be one of if_unassigned, always"),
    ("bad_from_states_entry.yaml", "6:25", "from_states entries must be one of OPEN"),
    ("empty_from_states.yaml", "6:18", "from_states must list at least one state"),
    ("bad_max_changes.yaml", "3:16", "max_changes must be a positive integer"),
    ("bool_where_string_expected.yaml", "5:11", "note must be a string, not the boolean true"),
    ("bool_expected.yaml", "6:26", "resolve_regressions must be true or false"),
    ("assignee_wrong_type.yaml", "5:15", "assignee must be an alias, an email, a user UUID"),
    ("bad_rule_name.yaml", "3:11", "must match [a-z0-9][a-z0-9_.-]*"),
    ("missing_name.yaml", "3:5", "rule #1: missing name"),
    ("missing_query.yaml", "3:5", "rule 'payments': missing query"),
    ("missing_version.yaml", "1:1", "missing version: 1"),
    ("unsupported_version.yaml", "1:10", "version must be 1"),
    ("yaml_syntax_error.yaml", "5:10", "YAML syntax error: expected ',' or ']'"),
    ("duplicate_yaml_key.yaml", "6:5", "duplicate key 'state' (first at line 5)"),
    ("rule_sets_nothing.yaml", "3:5", "sets neither state nor assignee"),
    ("pin_sets_nothing.yaml", "3:3", "sets neither state nor assignee"),
    ("alias_looks_like_email.yaml", "3:3", "alias 'alice@example.com' must be a plain name"),
    ("rules_not_a_list.yaml", "3:3", "rules must be a list of rules, not a mapping"),
    ("top_level_not_mapping.yaml", "1:1", "the top level must be a mapping"),
    ("empty_file.yaml", "1:1", "the file is empty"),
    ("duration_over_ten_years.yaml", "6:13", "a duration is at most ten years (3653d)"),
    ("merge_key.yaml", "7:5", "merge keys (<<) are not supported: write the keys out"),
    ("tests_not_a_list.yaml", "3:3", "tests must be a list of tests, not a mapping"),
    (
        "test_unknown_key.yaml",
        "12:5",
        "test 'owned': unknown key 'comment' (expected one of: name,",
    ),
    ("test_missing_expect.yaml", "9:5", "test 'owned': missing expect (what the config must"),
    ("test_expect_wrong_type.yaml", "11:13", "expect must be a mapping with assignee and/or state"),
    (
        "test_expects_nothing.yaml",
        "11:13",
        "test 'owned': expect: names neither assignee nor state",
    ),
    ("test_sample_bad_state.yaml", "10:43", "test 'owned': issue: state must be one of OPEN,"),
    (
        "test_sample_unknown_key.yaml",
        "11:7",
        "issue: unknown key 'servce'; did you mean 'service'?",
    ),
    ("test_sample_id_not_uuid.yaml", "10:17", "issue: id must be an issue id (a UUID such as"),
    ("test_sample_bad_duration.yaml", "10:47", "issue: last_seen: '2 days' is not a duration"),
    (
        "test_first_seen_after_last_seen.yaml",
        "10:48",
        "issue: first_seen 1h ago is after last_seen 2d ago",
    ),
    ("test_duplicate_name.yaml", "12:11", "duplicate test name 'owned', first at bad/"),
    ("test_expect_unknown_alias.yaml", "11:24", "test 'owned': expect: unknown alias 'alicia'"),
]


@pytest.mark.parametrize(
    ("name", "position", "message"),
    [pytest.param(*case, id=case[0].removesuffix(".yaml")) for case in BAD_CASES],
)
def test_bad_config_reports_position_and_message(name: str, position: str, message: str) -> None:
    problems = problems_of(f"bad/{name}")
    assert problems[0].startswith(f"bad/{name}:{position}: ")
    assert message in problems[0]
    assert len(problems) == 1, problems


def test_every_bad_fixture_is_exercised() -> None:
    files = {p.name for p in (FIXTURES / "bad").glob("*.yaml")}
    assert files == {case[0] for case in BAD_CASES} | {"several_problems.yaml"}


def test_duplicate_pin_across_files_names_both_places() -> None:
    assert problems_of("bad/duplicate_pin") == [
        "bad/duplicate_pin/b.yaml:3:3: duplicate pin for issue "
        "'c1726a66-1f64-11ee-b338-da7ad0900002', first at bad/duplicate_pin/a.yaml:3:3; "
        "pins must be unique across all files"
    ]


def test_alias_with_two_values_across_files() -> None:
    [problem] = problems_of("bad/conflicting_alias")
    assert problem.startswith("bad/conflicting_alias/b.yaml:3:10: users: alias 'alice'")
    assert "at bad/conflicting_alias/a.yaml:3:10" in problem


def test_duplicate_rule_name_across_files(tmp_path: Path) -> None:
    rule = "version: 1\nrules:\n  - name: dup\n    query: x\n    state: RESOLVED\n"
    (tmp_path / "a.yaml").write_text(rule)
    (tmp_path / "b.yml").write_text(rule)
    [problem] = problems_of(str(tmp_path))
    assert problem == (
        f"{tmp_path}/b.yml:3:11: duplicate rule name 'dup', first at {tmp_path}/a.yaml:3:11; "
        "rule names must be unique across all files"
    )


def test_several_problems_are_all_reported_in_position_order() -> None:
    name = "bad/several_problems.yaml"
    with pytest.raises(ConfigError) as caught:
        load_config([name])
    positions = [(p.line, p.col) for p in caught.value.problems]
    assert positions == [
        (3, 11),
        (6, 21),
        (7, 12),
        (8, 15),
        (9, 5),
        (9, 11),
        (11, 5),
        (13, 3),
        (14, 12),
    ]
    assert {p.file for p in caught.value.problems} == {name}
    messages = [p.message for p in caught.value.problems]
    assert "'forever' is not a duration" in messages[0]
    assert "query does not parse: unbalanced parenthesis" in messages[1]
    assert "state OPEN needs from_states" in messages[2]
    assert "unknown alias 'nobody'" in messages[3]
    assert "duplicate rule name 'payments'" in messages[5]
    assert "unknown key 'stat'; did you mean 'state'?" in messages[6]
    assert "not a UUID" in messages[7]
    assert "not the string 'DONE'" in messages[8]
    assert str(caught.value).endswith("configuration is invalid: 9 problems; nothing was sent")


def test_problems_follow_the_order_of_the_paths() -> None:
    problems = problems_of("missing.yaml", "bad/missing_version.yaml", "bad/empty_dir")
    assert [p.split(":")[0] for p in problems] == [
        "missing.yaml",
        "bad/missing_version.yaml",
        "bad/empty_dir",
    ]
    assert "no such file or directory" in problems[0]
    assert "directory has no *.yaml or *.yml file" in problems[2]


def test_no_path_is_a_problem() -> None:
    assert problems_of() == ["<no path>:1:1: no configuration path given"]


def test_invalid_utf8_reports_its_position(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"version: 1\nrules: caf\xe9\n")
    assert problems_of(str(path)) == [f"{path}:2:11: the file is not valid UTF-8"]


def test_unreadable_path_is_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.mkdir()
    [problem] = problems_of(str(path))
    assert problem.startswith(f"{path}:1:1: directory has no *.yaml")


@pytest.mark.parametrize(
    ("query", "column"),
    [
        pytest.param("'a OR'", 15, id="single-quoted"),
        pytest.param('"a OR"', 15, id="double-quoted"),
        pytest.param("a OR", 14, id="plain"),
    ],
)
def test_query_error_points_into_the_query(tmp_path: Path, query: str, column: int) -> None:
    path = tmp_path / "q.yaml"
    path.write_text(f"version: 1\nrules:\n  - name: q\n    query: {query}\n    state: RESOLVED\n")
    [problem] = problems_of(str(path))
    assert problem.startswith(f"{path}:4:{column}: rule 'q': query does not parse: dangling OR")


def test_multiline_query_error_points_at_the_query_start(tmp_path: Path) -> None:
    path = tmp_path / "q.yaml"
    path.write_text(
        "version: 1\nrules:\n  - name: q\n    query: >-\n      a AND\n      (b\n"
        "    state: RESOLVED\n"
    )
    [problem] = problems_of(str(path))
    assert problem.startswith(f"{path}:4:12: rule 'q': query does not parse: unbalanced")
    assert "at character 7 of 'a AND (b'" in problem


def test_a_file_with_duplicate_keys_is_still_checked_further(tmp_path: Path) -> None:
    path = tmp_path / "d.yaml"
    path.write_text("version: 1\nversion: 1\nrules:\n  - {name: a, query: x, state: NOPE}\n")
    problems = problems_of(str(path))
    assert [p.split(": ", 1)[0] for p in problems] == [f"{path}:2:1", f"{path}:4:32"]


RULE_HEAD = "version: 1\nrules:\n  - name: r\n    query: x\n"


@pytest.mark.parametrize(
    ("text", "position", "message"),
    [
        pytest.param(
            "version: 1\nrules:\n  - just a string\n",
            "3:5",
            "rule #1 must be a mapping with name, query, ..., not the string 'just a string'",
            id="rule-not-mapping",
        ),
        pytest.param(
            "version: 1\nissues:\n  c1726a66-1f64-11ee-b338-da7ad0900002: RESOLVED\n",
            "3:41",
            "must be a mapping (state, assignee, note, resolve_regressions), not the string",
            id="pin-not-mapping",
        ),
        pytest.param(
            "version: 1\nissues: [a]\n",
            "2:9",
            "issues must be a mapping of issue id to pin, not a list",
            id="issues-not-mapping",
        ),
        pytest.param(
            RULE_HEAD + "    window: 30\n    state: RESOLVED\n",
            "5:13",
            "window must be a duration such as 30d",
            id="duration-not-string",
        ),
        pytest.param(
            RULE_HEAD + "    state: RESOLVED\n    from_states: OPEN\n",
            "6:18",
            "from_states must be a list of states, e.g. [OPEN]",
            id="from-states-not-list",
        ),
        pytest.param(
            RULE_HEAD + "    state: 2024-01-01\n",
            "5:12",
            "not the date 2024-01-01 (quote it to make it a string)",
            id="date-where-enum-expected",
        ),
        pytest.param(
            RULE_HEAD + "    assignee: ''\n",
            "5:15",
            "a user UUID or null (to unassign), not the string",
            id="empty-assignee",
        ),
        pytest.param(
            "version: 1\nrules:\n  - name: ''\n    query: x\n    state: RESOLVED\n",
            "3:11",
            "name must not be empty",
            id="empty-name",
        ),
        pytest.param(
            "version: 1\nusers:\n  bob: [b]\n",
            "3:8",
            "users: bob must be an email, a handle or a user UUID, not a list",
            id="alias-value-not-string",
        ),
        pytest.param(
            "version: true\n",
            "1:10",
            "version must be 1, the only format this reconciler reads, not the boolean true",
            id="version-bool",
        ),
        pytest.param(
            "version: 1\nrules: [{name: r, query: x, state: RESOLVED, grace: 1y}]\n",
            "2:53",
            "grace: '1y' is not a duration",
            id="rule-grace",
        ),
    ],
)
def test_inline_bad_configs(tmp_path: Path, text: str, position: str, message: str) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(text)
    [problem] = problems_of(str(path))
    assert problem.startswith(f"{path}:{position}: ")
    assert message in problem


def test_empty_sections_are_allowed(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("version: 1\ndefaults:\nusers:\nrules:\nissues:\n")
    config = load_config([path])
    assert (config.rules, config.pins, config.max_changes, config.users) == ((), (), 100, {})


def test_tests_section_loads_into_exact_values() -> None:
    config = load_config(["good/with_tests.yaml"])
    source = "good/with_tests.yaml"
    ops = "1b0b4e1c-53c4-4d8a-9b8e-0c3a1f6d2e7a"
    assert config.tests == (
        ConfigTest(
            name="payments-owned",
            issue=SampleIssue(
                service="payments-api", error_type="stripe.error.CardError", track=Track.TRACE
            ),
            expect=Expectation(
                assignee=UserReference("alice", Assignee("alice@example.com")),
                state=State.OPEN,
            ),
            source=Source(source, 10, 5),
        ),
        ConfigTest(
            name="everything",
            issue=SampleIssue(
                id="c1726a66-1f64-11ee-b338-da7ad0900002",
                service="payments-api",
                env="prod",
                version="r2025.02",
                error_type="builtins.KeyError",
                error_message="'currency'",
                file_path="app/payments.py",
                function_name="charge",
                platform="BACKEND",
                languages=("python",),
                state=State.ACKNOWLEDGED,
                assignee=UserReference("ops", Assignee(ops)),
                track=Track.LOGS,
                first_seen_ago_s=3 * DAY,
                last_seen_ago_s=2 * 3600,
                regressed=True,
            ),
            expect=Expectation(assignee=UserReference(None, Assignee(None))),
            source=Source(source, 13, 5),
        ),
        ConfigTest(
            name="defaults",
            issue=SampleIssue(first_seen_ago_s=2 * DAY, last_seen_ago_s=2 * DAY),
            expect=Expectation(
                assignee=UserReference("bob@example.com", Assignee("bob@example.com"))
            ),
            source=Source(source, 32, 5),
        ),
    )
    assert SampleIssue().first_seen_ago_s == SampleIssue().last_seen_ago_s == 3600
    assert SampleIssue().state is State.OPEN
    assert SampleIssue().assignee == UserReference(None, Assignee(None))


def test_test_assignees_resolve_through_aliases_of_another_file(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("version: 1\nusers:\n  ops: ops@example.com\n")
    (tmp_path / "b.yaml").write_text(
        "version: 1\ntests:\n  - {name: t, issue: {assignee: ops}, expect: {assignee: ops}}\n"
    )
    [test] = load_config([tmp_path]).tests
    assert test.issue.assignee == UserReference("ops", Assignee("ops@example.com"))
    assert test.expect.assignee == UserReference("ops", Assignee("ops@example.com"))
    assert test.source == Source(str(tmp_path / "b.yaml"), 3, 5)


def test_test_names_are_unique_across_files(tmp_path: Path) -> None:
    test = "version: 1\ntests:\n  - {name: t, issue: {}, expect: {state: OPEN}}\n"
    (tmp_path / "a.yaml").write_text(test)
    (tmp_path / "b.yaml").write_text(test)
    [problem] = problems_of(str(tmp_path))
    assert problem.startswith(f"{tmp_path}/b.yaml:3:12: duplicate test name 't', first at ")
