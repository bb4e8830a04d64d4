"""DatadogClient: the Error Tracking and Users endpoints over one thread-safe httpx.Client."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import quote

import httpx

from reconciler import __version__
from reconciler.client import wire
from reconciler.client.pacing import RateLimiter, RetryPolicy, header_seconds
from reconciler.client.settings import Credentials, site_label
from reconciler.client.users import USERS_PAGE_SIZE, pick_user, user_keys
from reconciler.errors import (
    ApiError,
    AuthError,
    BadRequestError,
    NetworkError,
    NotFoundError,
    RateLimitedError,
    ResponseShapeError,
    ServerError,
)
from reconciler.model import Issue, SearchRequest, State, User

logger = logging.getLogger("reconciler.client")

_T = TypeVar("_T")

_ISSUES = "/api/v2/error-tracking/issues"
# A literal comma: `include` is an explode:false array (api-notes section 3).
_SEARCH = f"{_ISSUES}/search?include=issue,issue.assignee"
_USERS = "/api/v2/users"
_MAX_USER_PAGES = 100  # 10,000 users matching one filter string means something is wrong
_JSON_TYPES = ("application/json", "application/vnd.api+json")
_DEFAULT_RETRY = RetryPolicy()
_STATUS_ERRORS: Mapping[int, type[ApiError]] = {
    400: BadRequestError,
    404: NotFoundError,
    429: RateLimitedError,
}


class DatadogClient:
    """`model.IssueApi` against the Datadog API; one instance may serve many threads."""

    def __init__(
        self,
        api_url: str,
        credentials: Credentials,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
        retry: RetryPolicy = _DEFAULT_RETRY,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._api_url = api_url.rstrip("/")
        self.site_label = site_label(self._api_url)
        self._retry = retry
        self._sleep = sleep
        self._clock = clock
        self._limiter = RateLimiter(sleep, clock)
        self._memo: wire.IssueMemo | None = None
        self._http = httpx.Client(
            base_url=self._api_url,
            transport=transport,
            timeout=timeout,
            headers={
                "DD-API-KEY": credentials.api_key,
                "DD-APPLICATION-KEY": credentials.app_key,
                "Accept": "application/json",
                "User-Agent": f"reconciler/{__version__}",
            },
        )

    @property
    def api_url(self) -> str:
        return self._api_url

    def close(self) -> None:
        self._http.close()

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
            logger.info("search result %s came without its issue; fetching it", issue_id)
            issues[issue_id] = self.get_issue(issue_id)
        return [issues[issue_id] for issue_id in page.issue_ids]

    def get_issue(self, issue_id: str) -> Issue:
        """One issue; raises NotFoundError (404), ApiError, NetworkError."""
        return self._parsed("GET", _issue_path(issue_id), wire.parse_issue_document)

    def set_state(self, issue_id: str, state: State) -> Issue:
        """PUT the state; returns the issue as the API left it; raises ApiError, NetworkError."""
        body = wire.state_body(issue_id, state)
        return self._parsed("PUT", _issue_path(issue_id, "state"), wire.parse_issue_document, body)

    def set_assignee(self, issue_id: str, user_id: str) -> Issue:
        """PUT the assignee; returns the issue as the API left it (an OPEN issue may now be
        ACKNOWLEDGED); raises ApiError, NetworkError."""
        body = wire.assignee_body(user_id)
        path = _issue_path(issue_id, "assignee")
        return self._parsed("PUT", path, wire.parse_issue_document, body)

    def remove_assignee(self, issue_id: str) -> None:
        """DELETE the assignee (204, no body); raises ApiError, NetworkError."""
        self._send("DELETE", _issue_path(issue_id, "assignee"))

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

    def _parsed(
        self,
        method: str,
        path: str,
        parse: Callable[[object], _T],
        body: dict[str, Any] | None = None,
        *,
        params: Mapping[str, str | int] | None = None,
    ) -> _T:
        """Send, then map the JSON answer with `parse`; raises ApiError on an unexpected body."""
        response = self._send(method, path, body, params=params)
        short, status = _short(path), response.status_code
        media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type and media_type not in _JSON_TYPES:
            raise ApiError(method, short, status, f"expected a JSON body, got {media_type}")
        try:
            document = json.loads(response.content)
        except ValueError as exc:
            raise ApiError(method, short, status, "the response body is not JSON") from exc
        try:
            return parse(document)
        except ResponseShapeError as exc:
            raise ApiError(method, short, status, str(exc)) from exc

    def _send(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        params: Mapping[str, str | int] | None = None,
    ) -> httpx.Response:
        """One request, retried on 429, 5xx and transport errors (every endpoint used is
        idempotent); raises the ApiError subclass for the status, or NetworkError."""
        content = None if body is None else json.dumps(body, separators=(",", ":")).encode()
        headers = None if body is None else {"Content-Type": "application/json"}
        short = _short(path)
        attempts = self._retry.max_attempts
        for attempt in range(1, attempts + 1):
            self._limiter.wait()
            started = self._clock()
            try:
                response = self._http.request(
                    method, path, content=content, headers=headers, params=params
                )
            except httpx.TransportError as exc:
                self._limiter.release()
                logger.debug("%s %s failed: %s", method, short, type(exc).__name__)
                if attempt == attempts or isinstance(exc, httpx.UnsupportedProtocol):
                    reason = str(exc) or type(exc).__name__
                    raise NetworkError(method, short, reason, self._api_url) from exc
                self._sleep(self._retry.delay(attempt))
                continue
            status = response.status_code
            elapsed = self._clock() - started
            logger.debug("%s %s -> %d in %.3fs", method, short, status, elapsed)
            self._limiter.release(response.headers)
            if status < 400:
                return response
            if attempt == attempts or (status != 429 and status < 500):
                raise self._error(method, short, response)
            if status == 429:
                self._limiter.pause(self._rate_limit_wait(response, attempt))
            else:
                self._sleep(self._retry.delay(attempt))
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _error(self, method: str, path: str, response: httpx.Response) -> ApiError:
        status = response.status_code
        detail = wire.error_detail(response.content, response.reason_phrase or f"HTTP {status}")
        if status in (401, 403):
            return AuthError(method, path, status, detail, self.site_label)
        kind = ServerError if status >= 500 else _STATUS_ERRORS.get(status, ApiError)
        return kind(method, path, status, detail)

    def _rate_limit_wait(self, response: httpx.Response, attempt: int) -> float:
        """How long a 429 asks us to wait: X-RateLimit-Reset, else Retry-After, else backoff."""
        for header in ("X-RateLimit-Reset", "Retry-After"):
            seconds = header_seconds(response.headers.get(header))
            if seconds is not None:
                return seconds
        return self._retry.delay(attempt)


def _issue_path(issue_id: str, action: str = "") -> str:
    path = f"{_ISSUES}/{quote(issue_id, safe='')}"
    return f"{path}/{action}" if action else path


def _short(path: str) -> str:
    """The path without its query string, for messages and logs."""
    return path.split("?", 1)[0]
