"""Shared fixtures for the sandbox tests: a small org, a running sandbox and an HTTP client."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from reconciler.model import Regression, State, Track
from reconciler.sandbox import (
    Knobs,
    RunningSandbox,
    SandboxCase,
    SandboxIssue,
    SandboxTeam,
    SandboxUser,
    Store,
    serve_in_thread,
)

HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS
NOW_MS = int(time.time() * 1000)
KEYS = {"DD-API-KEY": "test-api-key", "DD-APPLICATION-KEY": "test-app-key"}

ALICE = "7c0b5b9e-3f1a-4e8e-9a51-2d4f6c1e8a01"
BOB = "a3d94f1c-6b2e-4c7d-8f10-9e5b7a2c4d02"
DAVE = "c9b1e4d7-8a3f-4e2c-b5d6-7f0a1e3c5b04"
TEAM = "0a7e3c51-9b2d-4e8f-a1c6-5d3b7f9e2a10"

OPEN_ID = "c1726a66-1f64-11ee-b338-da7ad0900002"
RESOLVED_ID = "5f8ebd5c-6dd9-11f0-8a28-da7ad0900002"
REGRESSED_ID = "d3ab59c6-84ee-11f0-87bb-da7ad0900002"
OLD_ID = "e2a89d14-6f07-11f0-8a88-da7ad0900002"
UNKNOWN_ID = "67d80aa3-36ff-44b9-a694-c501a7591737"


def make_store() -> Store:
    """Four issues over three services, three users (one disabled) and a team."""
    users = [
        SandboxUser(ALICE, "alice@example.com", "alice@example.com", "Alice Moreau"),
        SandboxUser(BOB, "bob@example.com", "bob@example.com", None, title="Frontend Lead"),
        SandboxUser(DAVE, "dave@example.com", "dave@example.com", "Dave", disabled=True,
                    status="Disabled"),
    ]  # fmt: skip
    teams = [SandboxTeam(TEAM, "team-payments", "Payments", "Card processing.")]
    case = SandboxCase("f1b32a47-621d-4c57-9642-045aeb83891e", "ET-1", status="CLOSED")
    issues = [
        SandboxIssue(
            id=OPEN_ID,
            service="email-api-py",
            error_type="builtins.TypeError",
            error_message="object of type 'NoneType' has no len()",
            file_path="/django-email/conduit/apps/core/utils.py",
            function_name="filter_forbidden_tags",
            languages=("PYTHON",),
            first_seen=NOW_MS - 20 * DAY_MS,
            last_seen=NOW_MS - 2 * HOUR_MS,
            total_count=82,
            team_ids=(TEAM,),
            env="prod",
        ),
        SandboxIssue(
            id=RESOLVED_ID,
            service="synthetics-browser",
            error_type="Error",
            error_message="HTTP error",
            languages=("JAVASCRIPT",),
            platform="BROWSER",
            track=Track.RUM,
            first_seen=NOW_MS - 10 * DAY_MS,
            last_seen=NOW_MS - 1 * DAY_MS,
            state=State.RESOLVED,
            case=case,
            total_count=1,
            impacted_sessions=1,
        ),
        SandboxIssue(
            id=REGRESSED_ID,
            service="payments-api",
            error_type="builtins.ZeroDivisionError",
            error_message="division by zero",
            languages=("PYTHON",),
            first_seen=NOW_MS - 25 * DAY_MS,
            last_seen=NOW_MS - 5 * 60_000,
            assignee_id=ALICE,
            state=State.OPEN,
            regression=Regression("2026-01-01T10:00:00.000Z", "2026-01-03T08:00:00.000Z", "v2"),
            total_count=500,
            team_ids=(TEAM,),
        ),
        SandboxIssue(
            id=OLD_ID,
            service="payments-worker",
            error_type="KeyError",
            error_message="'currency'",
            languages=("PYTHON",),
            track=Track.LOGS,
            first_seen=NOW_MS - 90 * DAY_MS,
            last_seen=NOW_MS - 60 * DAY_MS,
            state=State.IGNORED,
            total_count=7,
        ),
    ]
    return Store(users, teams, issues)


@pytest.fixture
def store() -> Store:
    return make_store()


@pytest.fixture
def sandbox(store: Store) -> Iterator[RunningSandbox]:
    with serve_in_thread(store, Knobs()) as running:
        yield running


@pytest.fixture
def api(sandbox: RunningSandbox) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sandbox.url, headers=KEYS, timeout=5) as client:
        yield client


def search_body(**attributes: object) -> dict[str, object]:
    """A search request body over the last 30 days of every persona, overridable."""
    base: dict[str, object] = {
        "query": "*",
        "from": NOW_MS - 30 * DAY_MS,
        "to": NOW_MS + 60_000,
        "persona": "ALL",
    }
    base.update(attributes)
    return {"data": {"type": "search_request", "attributes": base}}


class FakeClock:
    """A settable wall clock for the rate limiter."""

    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class RecordingSleep:
    """An async sleep that records how long it was asked to wait and returns at once."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)
