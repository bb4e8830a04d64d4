"""The sandbox's own records of an org: users, teams, cases and issues, as frozen values."""

from __future__ import annotations

from dataclasses import dataclass

from reconciler.model import PERSONA_PLATFORMS, Persona, Regression, State, Track, in_persona

MOBILE_PLATFORMS = PERSONA_PLATFORMS[Persona.MOBILE]
BROWSER_PLATFORMS = PERSONA_PLATFORMS[Persona.BROWSER]
BACKEND_PLATFORMS = PERSONA_PLATFORMS[Persona.BACKEND]


@dataclass(frozen=True)
class SandboxUser:
    """A user of the org as the Users API lists it."""

    id: str
    email: str
    handle: str
    name: str | None = None
    title: str | None = None
    disabled: bool = False
    status: str = "Active"
    created_at: str = "2024-01-15T09:30:00+00:00"


@dataclass(frozen=True)
class SandboxTeam:
    """A team that can own issues."""

    id: str
    handle: str
    name: str
    summary: str = ""


@dataclass(frozen=True)
class SandboxCase:
    """The case behind an issue; the real API keeps the assignee on it."""

    id: str
    key: str
    status: str = "OPEN"
    created_at: str = "2025-01-01T00:00:00Z"
    modified_at: str = "2025-01-01T00:00:00Z"
    closed_at: str | None = None


@dataclass(frozen=True)
class SandboxIssue:
    """One Error Tracking issue with every attribute the API exposes, times in epoch ms."""

    id: str
    service: str
    error_type: str
    error_message: str
    first_seen: int
    last_seen: int
    state: State = State.OPEN
    env: str = ""
    file_path: str = ""
    function_name: str = ""
    languages: tuple[str, ...] = ()
    platform: str = "BACKEND"
    track: Track = Track.TRACE
    is_crash: bool = False
    first_seen_version: str = ""
    last_seen_version: str = ""
    assignee_id: str | None = None
    team_ids: tuple[str, ...] = ()
    case: SandboxCase | None = None
    regression: Regression | None = None
    total_count: int = 1
    impacted_users: int | None = None
    impacted_sessions: int | None = None

    def active_between(self, from_ms: int, to_ms: int) -> bool:
        """True when [first_seen, last_seen] overlaps the half-open window [from_ms, to_ms)."""
        return self.first_seen < to_ms and self.last_seen >= from_ms

    def in_persona(self, persona: Persona) -> bool:
        """True when the issue's platform belongs to the persona."""
        return in_persona(self.platform, persona)


def default_track(platform: str) -> Track:
    """The track an issue of this platform is collected on when the data does not say."""
    if platform in BROWSER_PLATFORMS or platform in MOBILE_PLATFORMS:
        return Track.RUM
    return Track.TRACE
