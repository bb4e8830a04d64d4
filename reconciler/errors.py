"""The reconciler's exception tree.

Library code raises only these; third-party errors are translated at the
boundary with ``raise ... from exc``. Every message says what to do next and
never contains an API or application key.

    ReconcilerError
    ├── InputError                 the configuration or a command-line value is invalid
    │   ├── ConfigError            the YAML is invalid (every problem, FILE:LINE:COL)
    │   ├── QuerySyntaxError       an event-search query does not parse
    │   ├── DurationError          a duration is not <int><s|m|h|d|w> (also a ValueError)
    │   └── OutputPathError        an --out or --log-file path cannot be written
    ├── SettingsError              a missing key, an unknown site or an unsafe API URL
    ├── RemoteError                talking to the Datadog API failed
    │   ├── ApiError               the API answered with an error
    │   │   ├── AuthError          401 / 403: which key, which site
    │   │   ├── NotFoundError      404
    │   │   ├── BadRequestError    400
    │   │   ├── RateLimitedError   429, still after the retries
    │   │   ├── ServerError        5xx, still after the retries
    │   │   └── UnexpectedStatusError 1xx / 3xx: a proxy or login page answered, not the API
    │   ├── NetworkError           timeouts and dropped connections, after the retries
    │   └── ResponseShapeError     a JSON:API document lacks what the API documents
    ├── PlanningError              no plan can be made from this config and this org
    │   ├── UserLookupError        an email or handle names no user, or a disabled one
    │   ├── PinNotFoundError       a pinned issue does not exist
    │   ├── IssueNotFoundError     the issue to explain is not a UUID, or does not exist
    │   ├── TruncatedSelectionError a rule's search stays at the 100 cap
    │   ├── PlanFailed             several errors found while planning, all of them
    │   ├── UnknownTargetError     a --target is neither a rule name nor an issue UUID
    │   └── StrictConflictError    conflicts under --strict
    ├── RefusedError               an apply the tool will not start
    │   ├── TooManyChangesError    the plan exceeds max_changes without --force
    │   ├── ApplyRefusedError      no confirmation: no terminal and no --auto-approve, or not "yes"
    │   └── PlanFileError          a saved plan cannot be read, or was made against another API
    └── CoverageError              a report's coverage is below its --min-coverage gate
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


class ReconcilerError(Exception):
    """Base class of every error the reconciler raises on purpose."""


class InputError(ReconcilerError):
    """The configuration or a value given on the command line is invalid."""


class RemoteError(ReconcilerError):
    """Talking to the Datadog API failed: an error answer, no answer, or a malformed one."""


class PlanningError(ReconcilerError):
    """No plan can be made: a user, a pin or a selection cannot be resolved, or policy says no."""


class RefusedError(ReconcilerError):
    """An apply the tool will not start: too big, unconfirmed, or from an unusable plan file."""


@dataclass(frozen=True)
class Problem:
    """One configuration problem at a position in a file (1-based line and column)."""

    file: str
    line: int
    col: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}: {self.message}"


class ConfigError(InputError):
    """The configuration is invalid; carries every problem found, sorted by position."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        count = len(self.problems)
        lines = "\n".join(str(p) for p in self.problems)
        noun = "problem" if count == 1 else "problems"
        super().__init__(f"{lines}\nconfiguration is invalid: {count} {noun}; nothing was sent")


class QuerySyntaxError(InputError):
    """An event-search query does not parse; `position` is 0-based into `query`."""

    def __init__(self, query: str, position: int, reason: str) -> None:
        self.query = query
        self.position = position
        self.reason = reason
        super().__init__(f"invalid query at character {position + 1}: {reason}")


class SettingsError(ReconcilerError):
    """A connection setting (key, site, API URL) is missing or invalid; never shows a key."""

    def __init__(self, setting: str, message: str) -> None:
        self.setting = setting
        super().__init__(message)


class DurationError(InputError, ValueError):
    """A duration is not a positive integer followed by s, m, h, d or w."""

    def __init__(self, text: str, reason: str) -> None:
        self.text = text
        self.reason = reason
        super().__init__(
            f"{text!r} is not a duration: {reason}; write a positive integer followed by "
            "s, m, h, d or w, e.g. 30d"
        )


class OutputPathError(InputError):
    """An `--out` or `--log-file` path cannot be written; says which and what to do."""

    def __init__(self, option: str, path: str, reason: str) -> None:
        self.option = option
        self.path = path
        self.reason = reason
        super().__init__(f"cannot write {option} {path}: {reason}")


class ApiError(RemoteError):
    """The Datadog API answered a request with an error status."""

    def __init__(self, method: str, path: str, status: int, detail: str) -> None:
        self.method = method
        self.path = path
        self.status = status
        self.detail = detail
        super().__init__(self._message())

    def _message(self) -> str:
        return f"{self.method} {self.path} failed with HTTP {self.status}: {self.detail}"


class AuthError(ApiError):
    """401 or 403: the keys are wrong, lack a scope, or belong to another site."""

    def __init__(self, method: str, path: str, status: int, detail: str, site: str) -> None:
        self.site = site
        super().__init__(method, path, status, detail)

    def _message(self) -> str:
        # A wrong API key and a wrong application key both give 401 or 403: name both.
        return (
            f"{self.method} {self.path} was refused with HTTP {self.status}: {self.detail}. "
            "Check DD_API_KEY and DD_APP_KEY (or DD_APPLICATION_KEY): both must be valid "
            f"for {self.site} (set DD_SITE or --site if the keys belong to another site), "
            "and the application key needs the error_tracking_read/write, cases_read/write "
            "and user_access_read scopes"
        )


class NotFoundError(ApiError):
    """404 from the API."""


class BadRequestError(ApiError):
    """400 from the API."""


class RateLimitedError(ApiError):
    """429 that persisted through every retry, or that asked for a wait (`asked` seconds)
    longer than the client ever waits (`cap` seconds)."""

    def __init__(
        self,
        method: str,
        path: str,
        status: int,
        detail: str,
        *,
        asked: float | None = None,
        cap: float | None = None,
    ) -> None:
        self.asked = asked
        self.cap = cap
        super().__init__(method, path, status, detail)

    def _message(self) -> str:
        if self.asked is not None and self.cap is not None:
            return (
                f"{self.method} {self.path} is rate limited, and the answer asks to wait "
                f"{self.asked:g} s, longer than the {self.cap:g} s this tool waits: "
                f"{self.detail}. Run again later; if this persists, a proxy in between may "
                "be sending a wrong X-RateLimit-Reset or Retry-After"
            )
        return (
            f"{self.method} {self.path} is still rate limited after retrying: {self.detail}. "
            "Lower --parallelism, or run again later"
        )


class ServerError(ApiError):
    """5xx that persisted through every retry."""

    def _message(self) -> str:
        return (
            f"{self.method} {self.path} failed with HTTP {self.status} after retrying: "
            f"{self.detail}. The API is unwell; run again later"
        )


class UnexpectedStatusError(ApiError):
    """A status that is neither 2xx nor an API error (1xx, 3xx): something else answered."""

    def _message(self) -> str:
        return (
            f"{self.method} {self.path} got HTTP {self.status} ({self.detail}), which the "
            "Datadog API never sends: a proxy or login page answered instead (redirects are "
            "not followed). Check DD_API_URL / --api-url and any proxy in between"
        )


class ResponseShapeError(RemoteError):
    """A response document does not have the documented shape; the client names the
    request (`method`, `path`, `status`) that got it."""

    def __init__(self, detail: str, method: str = "", path: str = "", status: int = 0) -> None:
        self.detail = detail
        self.method = method
        self.path = path
        self.status = status
        if method:
            super().__init__(
                f"{method} {path} answered HTTP {status} with an unexpected body: {detail}"
            )
        else:
            super().__init__(f"unexpected response body: {detail}")


class NetworkError(RemoteError):
    """The request never got an answer (timeout, refused or dropped connection)."""

    def __init__(self, method: str, path: str, reason: str, url: str = "") -> None:
        self.method = method
        self.path = path
        self.reason = reason
        where = f" (is {url} reachable? check DD_SITE / DD_API_URL)" if url else ""
        # Retries stop at the request's deadline too, so the message does not promise them.
        super().__init__(f"{method} {path} got no complete answer: {reason}{where}")


class UserLookupError(PlanningError):
    """A referenced user is unknown or disabled."""

    def __init__(self, reference: str, reason: str, where: str = "") -> None:
        self.reference = reference
        self.reason = reason
        self.where = where
        prefix = f"{where}: " if where else ""
        super().__init__(f"{prefix}user {reference!r} {reason}")


class PinNotFoundError(PlanningError):
    """A pin names an issue that does not exist."""

    def __init__(self, issue_id: str, where: str) -> None:
        self.issue_id = issue_id
        self.where = where
        super().__init__(
            f"{where}: pinned issue {issue_id} does not exist (404); remove the pin or "
            "check the id (`reconciler report` lists such pins without failing)"
        )


class IssueNotFoundError(PlanningError):
    """The issue `explain` was asked about is not an issue UUID, or the org has no such issue."""

    def __init__(self, issue_id: str, reason: str) -> None:
        self.issue_id = issue_id
        self.reason = reason
        super().__init__(f"issue {issue_id!r} {reason}")


class TruncatedSelectionError(PlanningError):
    """A rule's search still returns the API's 100-issue cap in a one-minute slice, or
    after as many searches as one rule may make (`searches`)."""

    def __init__(
        self, rule: str, where: str, slice_desc: str, *, searches: int | None = None
    ) -> None:
        self.rule = rule
        self.where = where
        self.searches = searches
        if searches is None:
            what = f"selects more than 100 issues within one minute ({slice_desc})"
        else:
            what = (
                f"still has slices of 100 issues after {searches} searches (the last one "
                f"{slice_desc}): more than 100 of its issues are active at the same time"
            )
        super().__init__(
            f"{where}: rule {rule!r} {what}; the API cannot list them all, so nothing is "
            "planned for it. Narrow the rule's query, window or from_states"
        )


class PlanFailed(PlanningError):
    """Several errors stopped the plan; all of them are kept."""

    def __init__(self, errors: Sequence[ReconcilerError]) -> None:
        self.errors = tuple(errors)
        super().__init__("\n".join(str(e) for e in self.errors))


class PlanFileError(RefusedError):
    """A saved plan file cannot be read or is not a plan."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        super().__init__(f"{path}: not a usable plan file: {reason}")


class StrictConflictError(PlanningError):
    """--strict was given and rules conflict."""

    def __init__(self, count: int) -> None:
        self.count = count
        super().__init__(
            f"{count} conflict(s) between rules and --strict is set; reorder or narrow the "
            "rules so a single rule decides each field"
        )


class UnknownTargetError(PlanningError):
    """A --target names neither a rule of the config nor an issue UUID."""

    def __init__(
        self,
        targets: Sequence[str],
        rule_names: Sequence[str],
        suggestions: Mapping[str, str] | None = None,
    ) -> None:
        self.targets = tuple(targets)
        self.rule_names = tuple(rule_names)
        self.suggestions = dict(suggestions or {})
        parts = []
        for target in self.targets:
            hint = self.suggestions.get(target)
            parts.append(f"{target!r}" + (f" (did you mean {hint!r}?)" if hint else ""))
        known = ", ".join(self.rule_names) or "none"
        super().__init__(
            f"unknown --target {', '.join(parts)}: a target must be a rule name or an "
            f"issue UUID; the rules are: {known}"
        )


class TooManyChangesError(RefusedError):
    """The plan has more changes than max_changes allows."""

    def __init__(self, changes: int, max_changes: int) -> None:
        self.changes = changes
        self.max_changes = max_changes
        super().__init__(
            f"the plan has {changes} changes, more than max_changes ({max_changes}); "
            "nothing was written. Review it and re-run with --force, or raise max_changes"
        )


class ApplyRefusedError(RefusedError):
    """Apply needs an explicit approval that it did not get."""


class CoverageError(ReconcilerError):
    """The share of owned issues after apply is below the gate `report --min-coverage` sets."""

    def __init__(self, shown: str, minimum: str, owned: int, total: int) -> None:
        self.owned = owned
        self.total = total
        super().__init__(
            f"coverage after apply is {shown} ({owned} of {total} open and acknowledged "
            f"issues owned), below --min-coverage {minimum}; assign the unowned issues the "
            "report lists, or add rules for their services"
        )
