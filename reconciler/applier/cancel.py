"""How far an apply has been asked to stop."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Cancellation:
    """`requested` starts no further issue; `urgent` starts no further request.
    Set by interrupts (see `interrupt`), or directly by the caller."""

    requested: threading.Event = field(default_factory=threading.Event)
    urgent: threading.Event = field(default_factory=threading.Event)

    def interrupt(self) -> None:
        """One more interrupt: the first requests a stop, any later one makes it urgent."""
        if self.requested.is_set():
            self.urgent.set()
        self.requested.set()
