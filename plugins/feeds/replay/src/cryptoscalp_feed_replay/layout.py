"""The on-disk Parquet layout shared by the replay feed, the downloader and recorders.

``<root>/<venue>/<SYMBOL>/<kind>/<YYYY-MM-DD>.parquet`` — one file per UTC day (of ``ts_recv``; of
``ts_open`` for bars), rows sorted by that time, columns exactly those of the core dtype of the kind.

``<kind>`` is a directory name: ``trade``, ``agg_trade`` (Binance aggregated trades, TRADE dtype: the
two must not be mixed, or every print would count twice), ``quote``, ``book_delta``, ``mark``, and
``ohlcv_1m`` (bars, :data:`~cryptoscalp_feed_replay.ohlcv.OHLCV_DTYPE`; replayed by the ``ohlcv``
format, not by ``parquet``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Final

from cryptoscalp_core.domain.events import EventKind

KIND_DIRS: Final[dict[str, EventKind]] = {
    "trade": EventKind.TRADE,
    "agg_trade": EventKind.TRADE,
    "quote": EventKind.QUOTE,
    "book_delta": EventKind.BOOK_DELTA,
    "mark": EventKind.MARK,
}
OHLCV_DIR: Final = "ohlcv_1m"
DEFAULT_DIR: Final[dict[EventKind, str]] = {
    EventKind.TRADE: "trade", EventKind.QUOTE: "quote", EventKind.BOOK_DELTA: "book_delta", EventKind.MARK: "mark",
}
_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})\.parquet$")


@dataclass(frozen=True, slots=True)
class LayoutFile:
    """One day file of the layout."""

    path: Path
    venue: str
    symbol: str
    kind_dir: str
    day: date


def day_path(root: Path, venue: str, symbol: str, kind_dir: str, day: date) -> Path:
    return root / venue / symbol / kind_dir / f"{day.isoformat()}.parquet"


def parse_layout(path: Path) -> LayoutFile | None:
    """The layout coordinates of ``path``, or ``None`` if it is not a day file of the layout."""
    match = _DAY.match(path.name)
    if match is None or len(path.parts) < 4:
        return None
    try:
        day = date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None
    kind_dir, symbol, venue = path.parent.name, path.parent.parent.name, path.parent.parent.parent.name
    if kind_dir not in KIND_DIRS and kind_dir != OHLCV_DIR:
        return None
    return LayoutFile(path, venue, symbol, kind_dir, day)


def find_layout_files(root: Path) -> list[LayoutFile]:
    """Every day file under ``root`` (which may be the layout root or any folder inside it)."""
    found = (parse_layout(path) for path in root.rglob("*.parquet"))
    return sorted((f for f in found if f is not None), key=lambda f: (f.venue, f.symbol, f.kind_dir, f.day))
