"""The kill switch's latch, kept in the Store's audit events so that it survives a restart.

The latch of key ``K`` is the sequence of audit events of pseudo-run ``kill-switch:K`` (audit events
need no registered run): ``kill_switch_latched`` and ``kill_switch_reset``; the newest decides. An
operator resets it with ``cryptoscalp risk reset-kill-switch PROFILE``, which appends a reset event
naming the operator, so the history of trips and resets stays readable.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from cryptoscalp_core.ports.store import AuditEvent, Store

LATCHED, RESET = "kill_switch_latched", "kill_switch_reset"
SOURCE = "account-guard"


@dataclass(frozen=True, slots=True)
class LatchState:
    latched: bool
    reason: str = ""
    ts_ns: int = 0
    detail: str = ""


def latch_run_id(key: str) -> str:
    return f"kill-switch:{key}"


class KillSwitchLatch:
    """Reads and writes one latch. Every method does I/O: never call it per event."""

    def __init__(self, store: Store, key: str) -> None:
        self.store, self.key = store, key

    def load(self) -> LatchState:
        events = [e for e in self.store.audit_events(latch_run_id(self.key)) if e.kind in (LATCHED, RESET)]
        if not events or events[-1].kind == RESET:
            return LatchState(False)
        last = events[-1]
        return LatchState(True, str(last.data.get("reason", "")), last.ts_ns, last.message)

    def latch(self, reason: str, ts_ns: int, detail: str, run_id: str = "") -> None:
        self.store.audit(AuditEvent(run_id=latch_run_id(self.key), ts_ns=ts_ns, kind=LATCHED, source=SOURCE,
                                    message=detail, data={"reason": reason, "run_id": run_id}))

    def reset(self, operator: str, note: str = "") -> LatchState:
        """Clear the latch; returns what it was."""
        before = self.load()
        self.store.audit(AuditEvent(run_id=latch_run_id(self.key), ts_ns=time.time_ns(), kind=RESET,
                                    source=SOURCE, message=note or "reset by operator",
                                    data={"operator": operator, "was_latched": before.latched,
                                          "reason": before.reason}))
        return before
