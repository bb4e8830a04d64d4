"""The steps the commands share: connect, plan, apply; wiring only, no policy."""

from __future__ import annotations

import dataclasses
import os
import threading
import time
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from reconciler.client import Credentials, DatadogClient, resolve_api_url
from reconciler.model import ChangeResult, Config, Plan
from reconciler.planner import build_plan
from reconciler.render import result_log_line
from reconciler.selection import observe, resolve_users


@dataclasses.dataclass(frozen=True)
class Connection:
    """Where the API is and which environment holds the keys."""

    site: str | None = None
    api_url: str | None = None
    env: Mapping[str, str] = dataclasses.field(default_factory=lambda: dict(os.environ))

    @property
    def url(self) -> str:
        return resolve_api_url(self.site, self.api_url, self.env)


@contextmanager
def connect(connection: Connection) -> Iterator[DatadogClient]:
    """A client for the connection; raises SettingsError for missing keys or bad URLs."""
    credentials = Credentials.from_env(connection.env)
    with DatadogClient(connection.url, credentials) as client:
        yield client


def now_ms() -> int:
    return int(time.time() * 1000)


def iso_utc(ms: int) -> str:
    """Epoch milliseconds as ISO 8601 UTC with a Z, to the second."""
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def make_plan(
    config: Config,
    client: DatadogClient,
    *,
    parallelism: int,
    targets: Collection[str] = (),
    clock_ms: Callable[[], int] = now_ms,
) -> Plan:
    """Resolve users, fetch the live issues and diff them; raises PlanFailed with every error."""
    resolved, labels = resolve_users(client, config, parallelism=parallelism)
    now = clock_ms()
    observed = observe(client, resolved, now, parallelism=parallelism)
    plan = build_plan(resolved, observed, now, targets=targets)
    assignees = {
        issue.assignee_id: issue.assignee_label
        for issue in observed.issues.values()
        if issue.assignee_id and issue.assignee_label
    }
    return dataclasses.replace(
        plan,
        generated_at=iso_utc(now),
        api_url=client.api_url,
        users={**assignees, **labels},
    )


class ResultLog:
    """Appends one JSON line per result to --log-file and echoes progress; safe from
    worker threads. A context manager: the log file is opened once for the whole run."""

    def __init__(self, path: Path | None, progress: TextIO | None) -> None:
        self._path = path
        self._progress = progress
        self._lock = threading.Lock()
        self._file: TextIO | None = None

    def __enter__(self) -> ResultLog:
        if self._path is not None:
            self._file = self._path.open("a", encoding="utf-8")
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def __call__(self, result: ChangeResult) -> None:
        with self._lock:
            if self._file is not None:
                self._file.write(result_log_line(result, datetime.now(UTC)) + "\n")
                self._file.flush()  # a line per result survives a crash or Ctrl-C
            if self._progress is not None:
                c = result.change
                self._progress.write(f"{c.issue_id} {c.field.value}: {result.status.value}\n")
                self._progress.flush()
