"""Deterministic, venue-safe client order ids.

A retried submit must reuse the same id so the venue's duplicate-id check (Binance -4116, OKX 51016,
Bybit 110072) refuses a second order instead of double-filling. Ids are derived from a run prefix and a
monotonically increasing sequence number kept in the order journal, so a restarted process continues
the sequence instead of reusing ids.

An id is the prefix followed by the sequence in base 36, zero-padded to fill :data:`MAX_LEN` characters:
every id of one prefix has the same length, so ids sort in sequence order, and ids of prefixes of equal
length (every :func:`run_prefix` has :data:`PREFIX_LEN`) never collide. The alphabet of generated ids is
``[0-9a-z]`` and the length is at most 32 characters, inside the Binance (36, ``[.A-Z:/a-z0-9_-]``), OKX
(32 alphanumerics) and Bybit (36, ``[A-Za-z0-9_-]``) rules; a caller-made prefix may also use ASCII
capitals.
"""

from __future__ import annotations

import hashlib
import operator

_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
_PREFIX_CHARS = frozenset(_ALPHABET + _ALPHABET[10:].upper())
MAX_LEN = 32
PREFIX_LEN = 12


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
    """A :data:`PREFIX_LEN`-character prefix, ``cs`` and 10 base-36 digits of a hash of
    ``(run_id, strategy)``; the same arguments always give the same prefix."""
    if "\x00" in run_id:
        # NUL separates the two parts in the hashed text; one inside run_id would make
        # ("a\x00b", "c") and ("a", "b\x00c") hash the same text.
        raise ValueError("run_id must not contain NUL")
    # surrogatepass: a run id decoded with surrogateescape (odd file names) must still hash, not raise.
    text = f"{run_id}\x00{strategy}".encode("utf-8", "surrogatepass")
    digest = hashlib.blake2b(text, digest_size=8).digest()
    # 10 base-36 digits keep ~51.7 of the 64 hash bits (10 hex digits would keep only 40).
    return "cs" + _base36(int.from_bytes(digest, "big") % 36**10).zfill(10)


def _check_prefix(prefix: str) -> None:
    if not prefix or not set(prefix) <= _PREFIX_CHARS or len(prefix) >= MAX_LEN:
        raise ValueError(f"client order id prefix {prefix!r} must be 1..{MAX_LEN - 1} ASCII letters or digits")


def client_order_id(prefix: str, sequence: int) -> str:
    """``prefix`` followed by the zero-padded base-36 sequence; deterministic and exactly 32 characters."""
    _check_prefix(prefix)
    if isinstance(sequence, bool):
        raise TypeError("sequence must be an int, not a bool")
    digits = _base36(operator.index(sequence))
    width = MAX_LEN - len(prefix)
    if len(digits) > width:
        raise ValueError(f"sequence {sequence} does not fit in {width} base-36 digits after prefix {prefix!r}")
    return prefix + digits.zfill(width)


def parse_sequence(prefix: str, cid: str) -> int:
    """The sequence number of an id made by :func:`client_order_id` with ``prefix``; ``ValueError`` if
    ``cid`` is not one of them."""
    _check_prefix(prefix)
    tail = cid[len(prefix):]
    if (not cid.startswith(prefix) or len(cid) != MAX_LEN
            or not tail or any(c not in _ALPHABET for c in tail)):
        raise ValueError(f"{cid!r} is not a client order id of prefix {prefix!r}")
    return int(tail, 36)
