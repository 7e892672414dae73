"""Fault switches of the fake venue. Each one acts once on the next eligible message or request."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Corruption = Literal["garbage", "truncated", "bad_field"]


@dataclass
class Faults:
    #: symbol → depth diffs still to withhold (the venue's book still applies them): a sequence gap
    skip_depth: dict[str, int] = field(default_factory=dict)
    #: messages still to send twice
    duplicate: int = 0
    #: how to corrupt the next message of ``corrupt_kind`` (any kind when ``None``); the original is lost
    corrupt: Corruption | None = None
    corrupt_kind: str | None = None
    #: seconds each REST depth request waits before answering
    snapshot_delay_s: float = 0.0
    #: (HTTP status, Retry-After seconds or None) answered to the next depth requests, one each
    snapshot_failures: list[tuple[int, float | None]] = field(default_factory=list)
