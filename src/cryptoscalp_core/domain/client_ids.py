"""Deterministic, venue-safe client order ids.

A retried submit must reuse the same id so the venue's duplicate-id check (Binance -4116, OKX 51016,
Bybit 110072) refuses a second order instead of double-filling. Ids are derived from a run prefix and a
monotonically increasing sequence number kept in the order journal, so a restarted process continues
the sequence instead of reusing ids.

The alphabet is ``[0-9a-z]`` and the length is at most 32 characters: the intersection of the Binance
(36, ``[.A-Z:/a-z0-9_-]``), OKX (32 alphanumerics) and Bybit (36, ``[A-Za-z0-9_-]``) rules.
"""

from __future__ import annotations

import hashlib

_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
MAX_LEN = 32


def _base36(n: int) -> str:
    if n < 0:
        raise ValueError("sequence must be non-negative")
    digits = []
    while True:
        n, r = divmod(n, 36)
        digits.append(_ALPHABET[r])
        if n == 0:
            return "".join(reversed(digits))


def run_prefix(run_id: str, strategy: str = "") -> str:
    """A 12-character prefix unique to ``(run_id, strategy)``."""
    digest = hashlib.blake2b(f"{run_id}\x00{strategy}".encode(), digest_size=8).hexdigest()
    return "cs" + digest[:10]


def client_order_id(prefix: str, sequence: int) -> str:
    """``prefix`` followed by the base-36 sequence; deterministic and at most 32 characters."""
    cid = prefix + _base36(sequence)
    if len(cid) > MAX_LEN or not cid.isalnum():
        raise ValueError(f"client order id {cid!r} breaks the venue rules (<=32 alphanumerics)")
    return cid
