"""Exponential backoff with full jitter: reconnect storms after an outage spread out instead of
hitting the venue's per-IP connection budget in lockstep."""

from __future__ import annotations

import random


class Backoff:
    """Delays ``initial * 2**attempt`` capped at ``cap``, each drawn uniformly from [delay/2, delay]."""

    __slots__ = ("_random", "attempt", "cap", "initial")

    def __init__(self, initial: float, cap: float, rng: random.Random | None = None) -> None:
        self.initial = initial
        self.cap = cap
        self.attempt = 0
        self._random = rng or random.Random()

    def next_delay(self) -> float:
        delay = min(self.cap, self.initial * 2.0 ** min(self.attempt, 30))
        self.attempt += 1
        return delay / 2 + self._random.random() * delay / 2

    def reset(self) -> None:
        self.attempt = 0
