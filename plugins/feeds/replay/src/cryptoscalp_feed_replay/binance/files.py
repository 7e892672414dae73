"""Recording files: reading lines (gzip or plain) and grouping files into per-symbol chains.

A *chain* is the files of one symbol in time order. The recorder rotates files at midnight
(``btcusdt_20230404.gz`` then ``btcusdt_20230405.gz``), and the book's update-id chain runs on from one
file into the next, so a chain is replayed as one stream with one book state. Chains of different
symbols are merged by ``ts_recv``.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from cryptoscalp_feed_replay.binance.lines import Line, parse_line
from cryptoscalp_feed_replay.drops import DropLog, log

_PEEK_LINES = 10_000  # lines read to find a file's symbol and first stamp (the first line, in practice)


def open_binary(path: Path) -> BinaryIO:
    """The file's bytes, gunzipped if it is gzip (told by its magic number, not its name)."""
    with path.open("rb") as probe:
        magic = probe.read(2)
    if magic == b"\x1f\x8b":
        return gzip.GzipFile(path, "rb")  # type: ignore[return-value]  # GzipFile is a binary stream
    return path.open("rb")


def iter_lines(path: Path, drops: DropLog | None = None) -> Iterator[tuple[int, bytes]]:
    """``(line_number, raw_line)`` for every line of the file, 1-based. A truncated or corrupt gzip
    stream (a recording cut off mid-write) ends the file early, counted as ``truncated_file``, instead of
    failing the replay."""
    with open_binary(path) as stream:
        number = 0
        try:
            for number, raw in enumerate(stream, 1):
                yield number, raw
        except (EOFError, gzip.BadGzipFile, OSError) as exc:
            log.warning("replay: %s ends early after line %d: %s", path.name, number, exc)
            if drops is not None:
                drops.drop("truncated_file", path.name)


@dataclass(slots=True)
class Chain:
    """The files of one symbol, in time order. ``symbol`` is upper-case, as in the payloads' ``s``."""

    symbol: str
    files: list[Path] = field(default_factory=list)
    #: other symbols met in the files (a recorder writing several symbols to one file)
    others: set[str] = field(default_factory=set)


def peek(path: Path) -> tuple[str, int] | None:
    """``(symbol, first local stamp in ns)`` of a recording, from its first stream line with a symbol."""
    for number, raw in iter_lines(path):
        if number > _PEEK_LINES:
            break
        parsed = parse_line(raw)
        if isinstance(parsed, Line):
            symbol = parsed.data.get("s")
            if isinstance(symbol, str) and symbol:
                return symbol.upper(), parsed.local_ns
    return None


#: Chain symbol of files in which no stream line names a symbol: their lines are still read (and
#: counted as dropped, with their reasons), but a snapshot line in them belongs to no instrument.
UNKNOWN_SYMBOL = "?"


def plan_chains(paths: list[Path]) -> list[Chain]:
    """Group recordings into chains (sorted by symbol), each file list sorted by first stamp."""
    found: dict[str, list[tuple[int, Path]]] = {}
    for path in paths:
        symbol, first = peek(path) or (UNKNOWN_SYMBOL, 0)
        found.setdefault(symbol, []).append((first, path))
    return [Chain(symbol, [p for _, p in sorted(entries)]) for symbol, entries in sorted(found.items())]
