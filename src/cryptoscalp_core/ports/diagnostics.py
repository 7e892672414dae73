"""Diagnostics port: health, anomalies and remediation, off the hot path."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Protocol, runtime_checkable

import msgspec


class Health(StrEnum):
    OK = "ok"
    DEGRADED = "degraded"
    FAILED = "failed"


class HealthReport(msgspec.Struct, frozen=True, kw_only=True):
    """The health of one component at ``ts_ns``; ``detail`` says why in words."""

    component: str
    health: Health
    ts_ns: int
    detail: str = ""
    metrics: dict[str, float] = msgspec.field(default_factory=dict)


class Remediation(msgspec.Struct, frozen=True, kw_only=True):
    """An action a diagnostics component proposes or took (``resync_book``, ``reconnect``, ``halt``…)."""

    component: str
    action: str
    reason: str
    applied: bool = False


@runtime_checkable
class Diagnostics(Protocol):
    """Watches components and reacts to failures.

    Contract:

    * :meth:`observe` takes periodic snapshots (the engine calls it on a timer, never per event) and
      returns the reports whose health *changed*; the engine fires the ``health_changed`` hook for each.
    * :meth:`remediate` proposes (or applies, when configured to) actions for the current reports.
    * Neither method blocks for long or raises for an unhealthy component: unhealthiness is data.
    """

    def observe(self, ts_ns: int) -> Sequence[HealthReport]: ...

    def remediate(self, reports: Sequence[HealthReport]) -> Sequence[Remediation]: ...
