"""DatadogClient: the Error Tracking and Users endpoints over one thread-safe session."""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import quote

import httpx

from reconciler.errors import ResponseShapeError
from reconciler.model import Issue, SearchRequest, State, User

from . import wire
from .pacing import RetryPolicy
from .session import DEFAULT_DEADLINE, DEFAULT_POOL_SIZE, Answer, Session
from .settings import Credentials
from .users import USERS_PAGE_SIZE, pick_user, user_keys

logger = logging.getLogger(__package__)

_T = TypeVar("_T")

_ISSUES = "/api/v2/error-tracking/issues"
# A literal comma: `include` is an explode:false array (api-notes section 3).
_SEARCH = f"{_ISSUES}/search?include=issue,issue.assignee,issue.team_owners"
_USERS = "/api/v2/users"
_MAX_USER_PAGES = 100  # 10,000 users matching one filter string means something is wrong
_JSON_TYPES = ("application/json", "application/vnd.api+json")
_DEFAULT_RETRY = RetryPolicy()


class DatadogClient:
    """`model.IssueApi` against the Datadog API; one instance may serve many threads.

    Every request must be answered within `deadline` seconds of wire time, retries
    included; answers are capped at session.MAX_BODY_BYTES; rate-limit waits at
    pacing.MAX_WAIT. `on_wait` hears the seconds of each rate-limit wait, from the
    waiting thread. `clock` times the waits; `wall_clock` places the API's
    calendar-aligned rate-limit windows (None: taken from the reset header alone).
    """

    def __init__(
        self,
        api_url: str,
        credentials: Credentials,
        *,
        transport: httpx.BaseTransport | None = None,
        deadline: float = DEFAULT_DEADLINE,
        retry: RetryPolicy = _DEFAULT_RETRY,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        pool_size: int = DEFAULT_POOL_SIZE,
        on_wait: Callable[[float], None] | None = None,
        wall_clock: Callable[[], float] | None = time.time,
    ) -> None:
        self._api_url = api_url.rstrip("/")
        self._session = Session(
            self._api_url,
            credentials,
            transport=transport,
            deadline=deadline,
            retry=retry,
            sleep=sleep,
            clock=clock,
            pool_size=pool_size,
            on_wait=on_wait,
            wall_clock=wall_clock,
        )
        self.site_label = self._session.site_label
        self._redact = self._session.redact
        self._memo: wire.IssueMemo | None = None

    @property
    def api_url(self) -> str:
        return self._api_url

    def close(self) -> None:
        self._session.close()

    @contextmanager
    def parsing_once(self) -> Iterator[None]:
        """Within the block, an issue that several searches return is parsed once."""
        self._memo = wire.IssueMemo()
        try:
            yield
        finally:
            self._memo = None

    def __enter__(self) -> DatadogClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"DatadogClient(api_url={self._api_url!r})"

    # ----------------------------------------------------------------- IssueApi

    def search(self, request: SearchRequest) -> list[Issue]:
        """One search call with its issues, in result order; raises ApiError, NetworkError."""
        body = wire.search_body(request)
        memo = self._memo
        page = self._parsed(
            "POST", _SEARCH, lambda doc: wire.parse_search_document(doc, memo), body
        )
        issues = dict(page.included)
        for issue_id in page.missing:
            shown = self._redact(issue_id)
            logger.info("search result %s came without its issue; fetching it", shown)
            issue = self.get_issue(issue_id)
            found = page.counts.get(issue_id)
            if found is not None:
                issue = dataclasses.replace(
                    issue, total_count=found.total_count, impacted_users=found.impacted_users
                )
            issues[issue_id] = issue
        return [issues[issue_id] for issue_id in page.issue_ids]

    def get_issue(self, issue_id: str) -> Issue:
        """One issue; raises NotFoundError (404), ApiError, ResponseShapeError, NetworkError."""
        return self._issue("GET", _issue_path(issue_id), issue_id)

    def set_state(self, issue_id: str, state: State) -> Issue:
        """PUT the state; returns the issue as the API left it; raises ApiError,
        ResponseShapeError (also for an answer about another issue), NetworkError."""
        body = wire.state_body(issue_id, state)
        return self._issue("PUT", _issue_path(issue_id, "state"), issue_id, body)

    def set_assignee(self, issue_id: str, user_id: str) -> Issue:
        """PUT the assignee; returns the issue as the API left it (an OPEN issue may now be
        ACKNOWLEDGED); raises ApiError, ResponseShapeError, NetworkError."""
        body = wire.assignee_body(user_id)
        return self._issue("PUT", _issue_path(issue_id, "assignee"), issue_id, body)

    def remove_assignee(self, issue_id: str) -> None:
        """DELETE the assignee; raises ApiError, NetworkError, or ResponseShapeError when
        the success is not the API's 204."""
        path = _issue_path(issue_id, "assignee")
        answer = self._send("DELETE", path)
        if answer.status != 204:
            detail = "expected 204 No Content for a removed assignee"
            raise ResponseShapeError(detail, "DELETE", self._session.shown(path), answer.status)

    def find_user(self, reference: str) -> User:
        """The enabled user whose email or handle equals `reference`, case-insensitively;
        raises UserLookupError, ApiError, NetworkError."""
        wanted = reference.strip().casefold()
        matches: list[User] = []
        seen = 0
        for number in range(_MAX_USER_PAGES):
            params: dict[str, str | int] = {
                "filter": reference,
                "page[size]": USERS_PAGE_SIZE,
                "page[number]": number,
            }
            page = self._parsed("GET", _USERS, wire.parse_users_document, params=params)
            matches += [user for user in page.users if wanted in user_keys(user)]
            seen += len(page.users)
            if len(page.users) < USERS_PAGE_SIZE or (page.total is not None and seen >= page.total):
                break
        else:
            logger.warning("stopped listing users matching %r after %d of them", reference, seen)
        return pick_user(reference, matches)

    # ----------------------------------------------------------------- transport

    def _issue(
        self, method: str, path: str, issue_id: str, body: dict[str, Any] | None = None
    ) -> Issue:
        """The issue an answer shows; raises ResponseShapeError when it is another issue."""
        issue = self._parsed(method, path, wire.parse_issue_document, body)
        if issue.id.lower() != issue_id.lower():
            shown = self._redact.short(issue.id, 80)
            short = self._session.shown(path)
            raise ResponseShapeError(f"the answer is about issue {shown}", method, short, 200)
        return issue

    def _parsed(
        self,
        method: str,
        path: str,
        parse: Callable[[object], _T],
        body: dict[str, Any] | None = None,
        *,
        params: Mapping[str, str | int] | None = None,
    ) -> _T:
        """Send, then map the JSON answer with `parse`; raises ResponseShapeError naming the
        request on an unexpected body."""
        answer = self._send(method, path, body, params=params)
        short = self._session.shown(path)
        if answer.media_type and answer.media_type not in _JSON_TYPES:
            detail = f"expected a JSON body, got {self._redact.short(answer.media_type, 80)}"
            raise ResponseShapeError(detail, method, short, answer.status)
        try:
            return parse(wire.decode(answer.body))
        except ResponseShapeError as exc:
            detail = self._redact.short(exc.detail)
        # Raised here, not in the handler, so the error chains to nothing.
        raise ResponseShapeError(detail, method, short, answer.status)

    def _send(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        params: Mapping[str, str | int] | None = None,
    ) -> Answer:
        content = None if body is None else json.dumps(body, separators=(",", ":")).encode()
        return self._session.send(method, path, content, params)


def _issue_path(issue_id: str, action: str = "") -> str:
    path = f"{_ISSUES}/{quote(issue_id, safe='')}"
    return f"{path}/{action}" if action else path
