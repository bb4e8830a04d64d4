"""Scrubbing the two keys out of any server-provided text before it reaches a message or log."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from urllib.parse import quote

REDACTED = "<redacted>"
_MAX_TEXT = 300
# Answer bodies are scrubbed of secrets this long or longer (a Datadog key is 32 or 40
# characters): a shorter one (a test's or the sandbox's "k") would scrub ordinary words
# out of the JSON and break it.
_MIN_BODY_SECRET = 8


class Redactor:
    """Replaces every occurrence of the given secrets (also URL-quoted, any case)."""

    def __init__(self, secrets: Iterable[str]) -> None:
        forms = {form for secret in secrets if secret for form in (secret, quote(secret, safe=""))}
        # Longest first, so a key that contains the other is replaced whole.
        alternatives = "|".join(re.escape(form) for form in sorted(forms, key=len, reverse=True))
        self._pattern = re.compile(alternatives, re.IGNORECASE) if alternatives else None
        long_forms = {form.encode().lower() for form in forms if len(form) >= _MIN_BODY_SECRET}
        self._body_forms = tuple(sorted(long_forms, key=len, reverse=True))
        self._body_pattern = (
            re.compile(b"|".join(re.escape(form) for form in self._body_forms), re.IGNORECASE)
            if self._body_forms
            else None
        )

    def __call__(self, text: str) -> str:
        """`text` without the secrets."""
        return self._pattern.sub(REDACTED, text) if self._pattern else text

    def body(self, data: bytes) -> bytes:
        """An answer body without the secrets (any case), before anything parses it: a
        proxy that echoes the request's headers into an issue's message must not put the
        keys into a plan. A quick scan first, as bodies almost never hold one."""
        if self._body_pattern is None:
            return data
        lowered = data.lower()
        if not any(form in lowered for form in self._body_forms):
            return data
        return self._body_pattern.sub(REDACTED.encode(), data)

    def short(self, text: str, limit: int = _MAX_TEXT) -> str:
        """`text` without the secrets, on one line, cut to `limit` characters (scrubbed
        before it is cut, so no prefix of a key survives)."""
        cleaned = " ".join(self(text).split())
        return cleaned if len(cleaned) <= limit else cleaned[: limit - 3] + "..."


class RedactingFilter(logging.Filter):
    """Scrubs a third-party logger's records (httpx logs each request's URL, whose path
    may hold an id the server sent)."""

    def __init__(self, redact: Redactor) -> None:
        super().__init__()
        self._redact = redact

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = self._redact(record.getMessage()), None
        return True
