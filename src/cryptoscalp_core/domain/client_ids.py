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

import functools
import hashlib
import operator
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
_DIGITS = np.frombuffer(_ALPHABET.encode("ascii"), dtype=np.uint8)
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


@functools.lru_cache(maxsize=256)  # a run checks its one prefix once, not once per order
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


def client_order_ids(prefix: str, sequences: Sequence[int] | npt.NDArray[np.int64]) -> list[str]:
    """:func:`client_order_id` for many sequences at once (a backtest names thousands of orders together)."""
    return client_order_id_chars(prefix, sequences).view(f"S{MAX_LEN}").ravel().astype(f"U{MAX_LEN}").tolist()


def client_order_id_chars(prefix: str, sequences: Sequence[int] | npt.NDArray[np.int64]) -> npt.NDArray[np.uint8]:
    """The ids of :func:`client_order_ids` as an ``(n, MAX_LEN)`` C-contiguous array of their ASCII codes, one
    id a row, without a Python string per id (the form an Arrow string array's data buffer takes)."""
    _check_prefix(prefix)
    width = MAX_LEN - len(prefix)
    x = np.asarray(sequences, dtype=np.int64)
    if len(x) and x.min() < 0:
        raise ValueError("sequence must be non-negative")
    x = x.astype(np.uint64)
    chars = np.empty((len(x), MAX_LEN), dtype=np.uint8)
    chars[:, :len(prefix)] = np.frombuffer(prefix.encode("ascii"), dtype=np.uint8)
    for j in range(MAX_LEN - 1, len(prefix) - 1, -1):
        if not x.any():  # only zeros left: the padding (a run's sequences need a few digits of the 20)
            chars[:, len(prefix):j + 1] = _DIGITS[0]
            break
        chars[:, j] = _DIGITS[(x % 36).astype(np.intp)]
        x //= 36
    if x.any():
        raise ValueError(f"a sequence does not fit in {width} base-36 digits after prefix {prefix!r}")
    return chars


def parse_sequence(prefix: str, cid: str) -> int:
    """The sequence number of an id made by :func:`client_order_id` with ``prefix``; ``ValueError`` if
    ``cid`` is not one of them."""
    _check_prefix(prefix)
    tail = cid[len(prefix):]
    if (not cid.startswith(prefix) or len(cid) != MAX_LEN
            or not tail or any(c not in _ALPHABET for c in tail)):
        raise ValueError(f"{cid!r} is not a client order id of prefix {prefix!r}")
    return int(tail, 36)
