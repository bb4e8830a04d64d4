"""Sample plans and the golden-file check shared by the renderer tests.

Regenerate every golden file with:
    RECONCILER_REGENERATE_GOLDENS=1 python -m pytest tests/test_render_*.py -p no:cacheprovider
then review the diff before committing it.
"""

from __future__ import annotations

import os
from pathlib import Path

from reconciler.model import (
    Change,
    Conflict,
    Field,
    Held,
    HoldReason,
    IssueSummary,
    Plan,
    Source,
    State,
)

GOLDEN_DIR = Path(__file__).parent
REGENERATE = os.environ.get("RECONCILER_REGENERATE_GOLDENS") == "1"

ISSUE_A = "0a1b2c3d-0000-4000-8000-000000000001"
ISSUE_B = "0a1b2c3d-0000-4000-8000-000000000002"
ISSUE_C = "0a1b2c3d-0000-4000-8000-000000000003"
ISSUE_D = "0a1b2c3d-0000-4000-8000-000000000004"
ISSUE_E = "0a1b2c3d-0000-4000-8000-000000000005"
ALICE = "11111111-aaaa-4aaa-8aaa-111111111111"
BOB = "22222222-bbbb-4bbb-8bbb-222222222222"
CAROL = "33333333-cccc-4ccc-8ccc-333333333333"


def check_golden(name: str, actual: str) -> None:
    """Compare with tests/golden/NAME, or rewrite it when regenerating."""
    path = GOLDEN_DIR / name
    if REGENERATE:
        path.write_text(actual, encoding="utf-8")
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, f"{name} differs; regenerate it if the change is intended"


def empty_plan() -> Plan:
    return Plan(
        changes=(),
        issues_in_scope=7,
        generated_at="2026-11-26T12:00:00Z",
        api_url="https://api.datadoghq.com",
        config_digest="sha256:" + "c" * 64,
    )


def rich_plan() -> Plan:
    """State and assignee changes on several issues, a pin with a note, keep_state,
    held changes, a conflict and a warning; issue summaries as a saved plan holds them."""
    issue_a = IssueSummary(
        service="payments-api",
        error_type="builtins.KeyError",
        error_message="'user_id'",
    )
    issue_b = IssueSummary(
        service="email-api-py",
        error_type="builtins.TypeError",
        error_message="object of type 'NoneType' has no len() | `len` failed",
    )
    issue_c = IssueSummary(service="checkout", error_type="Error")
    triage = "triage.yaml"
    return Plan(
        changes=(
            Change(
                ISSUE_B,
                Field.STATE,
                "OPEN",
                "RESOLVED",
                Source(triage, 30, 3),
                None,
                issue_b,
                note="fixed by #1234",
            ),
            Change(
                ISSUE_B,
                Field.ASSIGNEE,
                BOB,
                None,
                Source(triage, 30, 3),
                None,
                issue_b,
                note="fixed by #1234",
            ),
            Change(
                ISSUE_A, Field.ASSIGNEE, None, ALICE, Source(triage, 12, 5), "payments", issue_a
            ),
            Change(
                ISSUE_A,
                Field.STATE,
                "OPEN",
                "ACKNOWLEDGED",
                Source(triage, 12, 5),
                "payments",
                issue_a,
            ),
            Change(
                ISSUE_C,
                Field.ASSIGNEE,
                None,
                CAROL,
                Source("teams/web.yaml", 4, 5),
                "web-owners",
                issue_c,
                keep_state=State.OPEN,
            ),
        ),
        held=(
            Held(
                ISSUE_D,
                Field.STATE,
                "RESOLVED",
                "OPEN",
                HoldReason.REGRESSED,
                Source(triage, 20, 5),
                "legacy-noise",
            ),
            Held(ISSUE_E, Field.STATE, "RESOLVED", "OPEN", HoldReason.GRACE, Source(triage, 34, 3)),
        ),
        conflicts=(Conflict(ISSUE_A, Field.ASSIGNEE, "payments", ("backend", "legacy-noise")),),
        warnings=("rule 'stale-rule' (triage.yaml:40) matched no issues",),
        issues_in_scope=230,
        max_changes=50,
        generated_at="2026-11-26T12:00:00Z",
        api_url="https://api.datadoghq.com",
        config_digest="sha256:" + "d" * 64,
        users={ALICE: "alice@example.com", BOB: "bob@example.com"},
    )


def held_only_plan() -> Plan:
    """No change to write, but a held change and a conflict to report."""
    plan = rich_plan()
    return Plan(
        changes=(),
        held=plan.held,
        conflicts=plan.conflicts,
        issues_in_scope=plan.issues_in_scope,
        generated_at=plan.generated_at,
        api_url=plan.api_url,
        config_digest=plan.config_digest,
    )


def big_plan(count: int = 12) -> Plan:
    """More state changes than fit a comment unfolded."""
    changes = tuple(
        Change(
            f"0a1b2c3d-0000-4000-8000-{n:012d}",
            Field.STATE,
            "OPEN",
            "IGNORED",
            Source("noise.yaml", 3, 5),
            "noise",
            IssueSummary(service=f"svc-{n}"),
        )
        for n in range(1, count + 1)
    )
    return Plan(changes=changes, issues_in_scope=count, generated_at="2026-11-26T12:00:00Z")


def huge_plan(count: int = 3000) -> Plan:
    """A first plan of a new config over an existing org: `count` changes over eleven
    rules and pins, state and assignee, a few held items and conflicts, issue links."""
    owners = [ALICE, BOB, CAROL, None]
    changes = []
    held = []
    conflicts = []
    for n in range(count):
        issue_id = f"0a1b2c3d-0000-4000-8000-{n:012d}"
        rule_index = n % 12
        rule = None if rule_index == 11 else f"team-{rule_index:02d}"
        source = Source("ownership.yaml", 10 + 8 * rule_index, 5)
        issue = IssueSummary(
            service=f"svc-{n % 60}",
            error_type="builtins.KeyError",
            error_message=f"'field_{n}' missing from the payload of request {n}",
        )
        if n % 3:
            changes.append(Change(issue_id, Field.STATE, "OPEN", "RESOLVED", source, rule, issue))
        else:
            after = owners[n % 4]
            changes.append(Change(issue_id, Field.ASSIGNEE, None, after, source, rule, issue))
        if n % 500 == 7:
            held.append(
                Held(issue_id, Field.STATE, "RESOLVED", "OPEN", HoldReason.GRACE, source, rule)
            )
        if n % 700 == 3:
            conflicts.append(Conflict(issue_id, Field.ASSIGNEE, "team-03", ("team-04",)))
    return Plan(
        changes=tuple(changes),
        held=tuple(held),
        conflicts=tuple(conflicts),
        issues_in_scope=5000,
        max_changes=100,
        generated_at="2026-11-26T12:00:00Z",
        api_url="https://api.datadoghq.com",
        config_digest="sha256:" + "e" * 64,
        users={ALICE: "alice@example.com", BOB: "bob@example.com"},
        ui_host="app.datadoghq.com",
    )


# Free text as the YAML and the API may carry it: mentions, references, HTML, cell breaks.
HOSTILE = (
    "ping @someone and @org/team about #12, GH-7 and deadbeef1234 <script>alert(1)</script> a|b"
)


def hostile_plan() -> Plan:
    """Every free-text field of a plan carries text that GitHub would act on."""
    issue = IssueSummary(
        service="svc-@someone",
        error_type="<img src=x onerror=alert(1)>",
        error_message=HOSTILE + " see https://evil.example/x or www.evil.example",
    )
    source = Source("triage.yaml", 3, 5)
    return Plan(
        changes=(
            Change(ISSUE_A, Field.STATE, "OPEN", "RESOLVED", source, None, issue, note=HOSTILE),
            Change(ISSUE_B, Field.STATE, "OPEN", "IGNORED", source, "noise|x @someone"),
            Change(ISSUE_E, Field.ASSIGNEE, None, ALICE, source, "owners"),
        ),
        held=(
            Held(ISSUE_C, Field.STATE, "RESOLVED", "OPEN", HoldReason.GRACE, source, "r@someone"),
        ),
        conflicts=(Conflict(ISSUE_D, Field.ASSIGNEE, "#12", ("<script>", "a|b")),),
        warnings=(HOSTILE,),
        issues_in_scope=3,
        generated_at="2026-11-26T12:00:00Z",
        api_url="https://api.datadoghq.com",
        config_digest="sha256:" + "f" * 64,
        users={ALICE: "@someone"},
        ui_host="app.datadoghq.com",
    )
