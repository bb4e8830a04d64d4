"""One API request end to end: pacing, an overall deadline, a body size cap, retries and
the status -> error mapping, with every server-provided text scrubbed of the keys.

Errors are raised outside any `except` block, so no library exception chains
(`__cause__` / `__context__`) to an httpx exception or request, which carry the
key headers.
"""

from __future__ import annotations

import functools
import logging
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import httpx

from reconciler import __version__
from reconciler.errors import (
    ApiError,
    AuthError,
    BadRequestError,
    NetworkError,
    NotFoundError,
    RateLimitedError,
    ReconcilerError,
    ResponseShapeError,
    ServerError,
    UnexpectedStatusError,
)

from . import wire
from .pacing import MAX_WAIT, RateLimiter, RetryPolicy, Ticket, header_number
from .redact import RedactingFilter, Redactor
from .settings import Credentials, site_label

logger = logging.getLogger(__package__)
# A logger's filters see only the records logged on it, so each of httpcore's is named.
_LIBRARY_LOGGERS = (
    "httpx",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "httpcore.socks",
)

# Every request, retries and their backoff included, must be answered within this many
# seconds of wire time (rate-limit waits are capped separately, see pacing.MAX_WAIT).
DEFAULT_DEADLINE = 30.0
MAX_BODY_BYTES = 8 * 1024 * 1024  # the biggest answer (100 issues) is well under 1 MiB
_MAX_ERROR_BODY = 64 * 1024  # an error's detail is cut to a line; no need to read more
# Keep-alive connections kept per client: more than any --parallelism worth using.
DEFAULT_POOL_SIZE = 64
_STATUS_ERRORS: Mapping[int, type[ApiError]] = {
    400: BadRequestError,
    404: NotFoundError,
    429: RateLimitedError,
}


@functools.lru_cache(maxsize=256)
def _absolute(base_url: str, path: str) -> httpx.URL:
    """`path` under the base URL (which ends with a slash), as httpx would join them;
    parsed once per path, as a plan sends one search path a thousand times."""
    return httpx.URL(base_url + path.lstrip("/"))


@dataclass(frozen=True)
class Answer:
    """A complete answer: status, headers and the whole body (within the size cap)."""

    status: int
    headers: httpx.Headers
    body: bytes
    reason: str

    @property
    def media_type(self) -> str:
        return str(self.headers.get("content-type", "")).split(";")[0].strip().lower()


@dataclass(frozen=True)
class _Failure:
    """A request that got no usable answer; `retry` when trying again may help."""

    error: ReconcilerError
    retry: bool


class Session:
    """The pooled HTTP connection to one API base URL, shared by every thread."""

    def __init__(
        self,
        api_url: str,
        credentials: Credentials,
        *,
        transport: httpx.BaseTransport | None,
        deadline: float,
        retry: RetryPolicy,
        sleep: Callable[[float], None],
        clock: Callable[[], float],
        pool_size: int = DEFAULT_POOL_SIZE,
        on_wait: Callable[[float], None] | None = None,
        wall_clock: Callable[[], float] | None = None,
    ) -> None:
        self.api_url = api_url
        self.site_label = site_label(api_url)
        self.redact = Redactor((credentials.api_key, credentials.app_key))
        self._log_filter = RedactingFilter(self.redact)
        for name in _LIBRARY_LOGGERS:
            logging.getLogger(name).addFilter(self._log_filter)
        self._deadline = deadline
        self._retry = retry
        self._sleep = sleep
        self._clock = clock
        self._limiter = RateLimiter(sleep, clock, on_wait, wall_clock)
        verify: ssl.SSLContext | bool = True
        if api_url.startswith("http://"):
            # Plain loopback HTTP never does TLS: skip loading the CA bundle (~20 ms).
            verify = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        self._http = httpx.Client(
            base_url=api_url,
            transport=transport,
            verify=verify,
            timeout=deadline,
            limits=httpx.Limits(max_connections=pool_size, max_keepalive_connections=pool_size),
            follow_redirects=False,
            headers={
                "DD-API-KEY": credentials.api_key,
                "DD-APPLICATION-KEY": credentials.app_key,
                "Accept": "application/json",
                "User-Agent": f"reconciler/{__version__}",
            },
        )
        self._base_url = str(self._http.base_url).rstrip("/") + "/"

    def close(self) -> None:
        self._http.close()
        for name in _LIBRARY_LOGGERS:
            logging.getLogger(name).removeFilter(self._log_filter)

    def send(
        self,
        method: str,
        path: str,
        content: bytes | None = None,
        params: Mapping[str, str | int] | None = None,
    ) -> Answer:
        """A 2xx answer, retried on 429, 5xx and transport errors (every endpoint used is
        idempotent) within the deadline; raises the ApiError subclass for the status,
        NetworkError, or ResponseShapeError for an answer over the size cap."""
        short = self.shown(path)
        budget = self._deadline
        attempts = self._retry.max_attempts
        error: ReconcilerError | None = None
        for attempt in range(1, attempts + 1):
            ticket = self._limiter.wait()
            started = self._clock()
            outcome = self._exchange(method, path, short, content, params, budget, ticket)
            budget -= self._clock() - started
            wait = 0.0
            if isinstance(outcome, _Failure):
                error = outcome.error
                if not outcome.retry:
                    break
                wait = self._retry.delay(attempt)
            else:
                if 200 <= outcome.status < 300:
                    return outcome
                error = self._error(method, short, outcome)
                if outcome.status != 429 and outcome.status < 500:
                    break
                if outcome.status == 429:
                    self._limiter.refused()
                    asked = self._rate_limit_wait(outcome)
                    if asked is not None and asked > MAX_WAIT:
                        # No wait the client would make can end it: say so now.
                        detail = error.detail if isinstance(error, ApiError) else ""
                        error = RateLimitedError(
                            method, short, 429, detail, asked=asked, cap=MAX_WAIT
                        )
                        break
                    if attempt < attempts:
                        # Rate-limit waits are capped, and do not spend the deadline.
                        self._limiter.pause(
                            asked if asked is not None else self._retry.delay(attempt)
                        )
                elif outcome.status >= 500:
                    wait = self._retry.delay(attempt)
            if attempt == attempts or wait >= budget:
                break
            if wait:
                self._sleep(wait)
                budget -= wait
        assert error is not None  # the loop runs at least once
        raise error

    def shown(self, path: str) -> str:
        """The path for messages and logs: no query string, no key (an id in it is the
        server's text)."""
        return self.redact(path.split("?", 1)[0])

    def _exchange(
        self,
        method: str,
        path: str,
        short: str,
        content: bytes | None,
        params: Mapping[str, str | int] | None,
        budget: float,
        ticket: Ticket,
    ) -> Answer | _Failure:
        """One attempt, read whole within `budget` seconds; never raises for the network."""
        if budget <= 0:
            return self._network_failure(method, short, self._late(), retry=False)
        headers = None if content is None else {"Content-Type": "application/json"}
        started = self._clock()
        ends = started + budget
        seen: httpx.Headers | None = None
        outcome: Answer | _Failure
        try:
            url = _absolute(self._base_url, path)
            with self._http.stream(
                method, url, content=content, headers=headers, params=params, timeout=budget
            ) as response:
                seen = response.headers
                outcome = self._read(method, short, response, ends)
        except httpx.TransportError as exc:
            logger.debug("%s %s failed: %s", method, short, type(exc).__name__)
            late = isinstance(exc, httpx.TimeoutException) and self._clock() >= ends
            reason = self._late() if late else self._describe(exc)
            retry = not late and not isinstance(exc, httpx.UnsupportedProtocol)
            outcome = self._network_failure(method, short, reason, retry=retry)
        except httpx.HTTPError as exc:  # a broken content encoding, say
            logger.debug("%s %s failed: %s", method, short, type(exc).__name__)
            outcome = self._network_failure(method, short, self._describe(exc), retry=False)
        finally:
            self._limiter.release(seen, ticket)
        if isinstance(outcome, Answer):
            elapsed = self._clock() - started
            logger.debug("%s %s -> %d in %.3fs", method, short, outcome.status, elapsed)
        return outcome

    def _read(
        self, method: str, short: str, response: httpx.Response, ends: float
    ) -> Answer | _Failure:
        """The whole body by streaming, stopping at the deadline or the size cap."""
        success = 200 <= response.status_code < 300
        limit = MAX_BODY_BYTES if success else _MAX_ERROR_BODY
        declared = response.headers.get("content-length", "")
        if success and declared.isdigit() and int(declared) > limit:
            return self._too_big(method, short, response.status_code)
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            if self._clock() > ends:
                return self._network_failure(method, short, self._late(), retry=False)
            size += len(chunk)
            if size > limit:
                if success:
                    return self._too_big(method, short, response.status_code)
                chunks.append(chunk[: limit - size + len(chunk)])
                break
            chunks.append(chunk)
        reason = self.redact.short(response.reason_phrase or "")
        body = self.redact.body(b"".join(chunks))
        return Answer(response.status_code, response.headers, body, reason)

    def _late(self) -> str:
        return f"no complete answer within the {self._deadline:g} s deadline"

    def _too_big(self, method: str, short: str, status: int) -> _Failure:
        detail = f"the answer is larger than the {MAX_BODY_BYTES // 2**20} MiB limit"
        return _Failure(ResponseShapeError(detail, method, short, status), retry=False)

    def _network_failure(self, method: str, short: str, reason: str, *, retry: bool) -> _Failure:
        return _Failure(NetworkError(method, short, reason, self.api_url), retry=retry)

    def _describe(self, exc: httpx.HTTPError) -> str:
        """What went wrong, from the exception's text only (never its request)."""
        return self.redact.short(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)

    def _error(self, method: str, path: str, answer: Answer) -> ReconcilerError:
        status = answer.status
        if status < 200 or 300 <= status < 400:
            location = answer.headers.get("location")
            shown = f"Location: {location}" if location else answer.reason or f"HTTP {status}"
            return UnexpectedStatusError(method, path, status, self.redact.short(shown, 200))
        detail = wire.error_detail(answer.body, answer.reason or f"HTTP {status}", self.redact)
        if status in (401, 403):
            return AuthError(method, path, status, detail, self.site_label)
        kind = ServerError if status >= 500 else _STATUS_ERRORS.get(status, ApiError)
        return kind(method, path, status, detail)

    def _rate_limit_wait(self, answer: Answer) -> float | None:
        """How long a 429 asks us to wait (X-RateLimit-Reset, else Retry-After; inf
        included), or None when neither header can be read."""
        for header in ("X-RateLimit-Reset", "Retry-After"):
            seconds = header_number(answer.headers.get(header))
            if seconds is not None:
                return seconds
        return None
