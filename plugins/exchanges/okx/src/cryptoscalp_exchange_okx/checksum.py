"""OKX order-book checksum: signed CRC32 over the top 25 levels, built from the exact strings received.

The string interleaves ``bid1:ask1:bid2:ask2…`` with each level written ``price:size`` as OKX sent it
(``"0.5000"`` stays ``"0.5000"``); when one side runs out the other continues alone. OKX compares the
CRC32 (IEEE, zlib's) as a signed 32-bit integer. It now sends ``checksum: 0`` on every message, which
means "not provided": callers verify only a non-zero value.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

#: levels per side that enter the checksum
CHECKSUM_DEPTH = 25

Level = tuple[str, str]  # (price, size) exactly as received


def checksum_string(bids: Sequence[Level], asks: Sequence[Level], depth: int = CHECKSUM_DEPTH) -> str:
    """The ``bid1:ask1:…`` text of the best ``depth`` levels (bids best first, asks best first)."""
    parts: list[str] = []
    for i in range(depth):
        if i < len(bids):
            parts.append(bids[i][0])
            parts.append(bids[i][1])
        if i < len(asks):
            parts.append(asks[i][0])
            parts.append(asks[i][1])
    return ":".join(parts)


def signed_crc32(text: str) -> int:
    """CRC32 of ``text`` (UTF-8) as a signed 32-bit integer, the form OKX puts in ``checksum``."""
    crc = zlib.crc32(text.encode())
    return crc - (1 << 32) if crc >= (1 << 31) else crc


def okx_checksum(bids: Sequence[Level], asks: Sequence[Level]) -> int:
    """The value OKX sends in ``checksum`` for a book whose best levels are ``bids`` and ``asks``."""
    return signed_crc32(checksum_string(bids, asks))
