"""Exponential reconnect delays with jitter, so many clients that lost the venue together do not return
together (and a client cannot hammer a venue that refuses it)."""

from __future__ import annotations

import random


class Backoff:
    """``initial * 2**n`` capped at ``cap``, each delay drawn uniformly from its upper half."""

    __slots__ = ("_attempt", "_rng", "cap", "initial")

    def __init__(self, initial: float, cap: float, rng: random.Random | None = None) -> None:
        self.initial = initial
        self.cap = cap
        self._attempt = 0
        self._rng = rng or random.Random()

    def next_delay(self) -> float:
        ceiling = min(self.cap, self.initial * (2.0 ** min(self._attempt, 62)))
        self._attempt += 1
        return ceiling / 2 + self._rng.random() * ceiling / 2

    def reset(self) -> None:
        """The connection proved healthy: the next failure starts from ``initial`` again."""
        self._attempt = 0
