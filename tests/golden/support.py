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
