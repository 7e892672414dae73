"""MarketRecorder: normalised events (and raw frames when the feed exposes them) to Parquet.

Layout — the one the ``replay`` feed's ``parquet`` format reads::

    <root>/<venue>/<SYMBOL>/<kind>/<YYYY-MM-DD>.parquet     kind: trade, quote, book_delta, mark
    <root>/<venue>/_raw/<YYYY-MM-DD>.parquet                raw frames: ts_recv, frame, tag

One file per UTC day of ``ts_recv``, rows in ``ts_recv`` order, columns exactly the core dtype of the
kind, schema metadata ``cryptoscalp.kind`` (and ``cryptoscalp.tick_size`` for book deltas, whose prices are
integer ticks). Rows are buffered and written as row groups of ``row_group_rows`` into a hidden temporary
file per day, renamed into place on :meth:`close`: a reader never sees half a file. A day file that already
exists (an earlier recording of the same day) is merged with the new rows, stably sorted by ``ts_recv``.

Raw frames (:mod:`cryptoscalp_core.marketdata.raw`) keep their receive order: ``ts_recv`` int64 ns,
``frame`` binary, ``tag`` string (``""`` for a WebSocket frame). :func:`raw_day_files` and
:func:`read_raw_chunks` read them back.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from cryptoscalp_core.domain.events import DTYPES, EventKind
from cryptoscalp_core.domain.instrument import Instrument

try:  # optional extra ``parquet``
    import pyarrow as pa  # type: ignore[import-untyped]
    import pyarrow.parquet as pq  # type: ignore[import-untyped]
except ImportError:  # pragma: no cover - exercised only without the extra
    pa = pq = None

PARQUET_HINT = "recording needs pyarrow: pip install 'cryptoscalp-core[parquet]'"
KIND_DIR = {EventKind.TRADE: "trade", EventKind.QUOTE: "quote", EventKind.BOOK_DELTA: "book_delta",
            EventKind.MARK: "mark"}
KIND_KEY = b"cryptoscalp.kind"
TICK_KEY = b"cryptoscalp.tick_size"
NS_PER_DAY = 86_400 * 10**9
RAW_DIR = "_raw"
RAW_COLUMNS = ("ts_recv", "frame", "tag")


def _day(day_index: int) -> str:
    return datetime.fromtimestamp(day_index * 86_400, tz=UTC).date().isoformat()


@dataclass(slots=True)
class _DayFile:
    path: Path
    schema: Any
    pending: list[Any] = field(default_factory=list)
    pending_rows: int = 0
    rows: int = 0
    writer: Any = None

    @property
    def tmp(self) -> Path:
        return self.path.with_name(f".{self.path.name}.{os.getpid()}.recording")


class MarketRecorder:
    def __init__(self, root: str | Path, instruments: Sequence[Instrument], *, row_group_rows: int = 65_536,
                 raw_venue: str | None = None) -> None:
        if pa is None:
            raise ImportError(PARQUET_HINT)
        self.root = Path(root)
        self.instruments = tuple(instruments)
        self.row_group_rows = row_group_rows
        self.raw_venue = raw_venue
        self._files: dict[tuple[Any, ...], _DayFile] = {}
        self._raw_ts: list[int] = []
        self._raw_frames: list[bytes] = []
        self._raw_tags: list[str] = []
        self.raw_frames = 0

    # -- input ------------------------------------------------------------------------------------------
    def write(self, kind: EventKind, rows: npt.NDArray[np.void]) -> None:
        if not len(rows):
            return
        inst = rows["instrument"]
        days = rows["ts_recv"] // NS_PER_DAY
        if (inst == inst[0]).all() and days[0] == days[-1]:
            self._append(kind, int(inst[0]), int(days[0]), rows)
            return
        key = inst.astype(np.int64) * 1_000_000 + days
        for k in np.unique(key).tolist():
            self._append(kind, int(k // 1_000_000), int(k % 1_000_000), rows[key == k])

    def raw(self, ts_recv: int, frame: bytes, tag: str = "", /) -> None:
        """A :class:`~cryptoscalp_core.marketdata.raw.RawFrameSink`."""
        self._raw_ts.append(ts_recv)
        self._raw_frames.append(bytes(frame))
        self._raw_tags.append(tag)
        self.raw_frames += 1
        if len(self._raw_ts) >= self.row_group_rows:
            self._flush_raw()

    # -- files ------------------------------------------------------------------------------------------
    def _schema(self, kind: EventKind, inst: Instrument) -> Any:
        dtype = DTYPES[kind]
        meta = {KIND_KEY: KIND_DIR[kind].encode()}
        if kind is EventKind.BOOK_DELTA:
            meta[TICK_KEY] = str(Decimal(str(inst.tick_size)).normalize()).encode()
        return pa.schema([(n, pa.from_numpy_dtype(dtype[n])) for n in dtype.names or ()], metadata=meta)

    def _file(self, key: tuple[Any, ...], path: Path, schema: Any) -> _DayFile:
        f = self._files.get(key)
        if f is None:
            f = self._files[key] = _DayFile(path, schema)
        return f

    def _append(self, kind: EventKind, index: int, day: int, rows: npt.NDArray[np.void]) -> None:
        inst = self.instruments[index]
        path = self.root / inst.venue / inst.symbol / KIND_DIR[kind] / f"{_day(day)}.parquet"
        f = self._file((kind, index, day), path, self._schema(kind, inst))
        f.pending.append(rows.copy())
        f.pending_rows += len(rows)
        if f.pending_rows >= self.row_group_rows:
            self._flush(f)

    def _flush(self, f: _DayFile) -> None:
        if not f.pending_rows:
            return
        rows = np.concatenate(f.pending) if len(f.pending) > 1 else f.pending[0]
        f.pending, f.pending_rows = [], 0
        names = f.schema.names
        table = pa.Table.from_arrays([pa.array(np.ascontiguousarray(rows[n])) for n in names], schema=f.schema)
        if f.writer is None:
            f.path.parent.mkdir(parents=True, exist_ok=True)
            f.writer = pq.ParquetWriter(f.tmp, f.schema, compression="zstd")
        f.writer.write_table(table, row_group_size=self.row_group_rows)
        f.rows += len(rows)

    def _flush_raw(self) -> None:
        if not self._raw_ts or self.raw_venue is None:
            self._raw_ts, self._raw_frames, self._raw_tags = [], [], []
            return
        ts = np.asarray(self._raw_ts, dtype=np.int64)
        frames, tags = self._raw_frames, self._raw_tags
        self._raw_ts, self._raw_frames, self._raw_tags = [], [], []
        schema = _raw_schema()
        days = ts // NS_PER_DAY
        for day in np.unique(days).tolist():
            sel = np.flatnonzero(days == day)
            path = self.root / self.raw_venue / RAW_DIR / f"{_day(int(day))}.parquet"
            f = self._file(("raw", int(day)), path, schema)
            rows = sel.tolist()
            table = pa.Table.from_arrays([pa.array(ts[sel]), pa.array([frames[i] for i in rows], type=pa.binary()),
                                          pa.array([tags[i] for i in rows], type=pa.string())], schema=schema)
            if f.writer is None:
                f.path.parent.mkdir(parents=True, exist_ok=True)
                f.writer = pq.ParquetWriter(f.tmp, schema, compression="zstd")
            f.writer.write_table(table)
            f.rows += len(sel)

    def close(self) -> dict[str, int]:
        """Write what is buffered, move every file into place; returns rows written per file."""
        self._flush_raw()
        written: dict[str, int] = {}
        for f in self._files.values():
            self._flush(f)
            if f.writer is None:
                continue
            f.writer.close()
            f.writer = None
            if f.path.exists():
                # promote: a raw day file written before frames had tags gets null tags (= WebSocket frames)
                merged = pa.concat_tables([pq.read_table(f.path), pq.read_table(f.tmp)], promote_options="default")
                merged = merged.select(f.schema.names).cast(f.schema)
                order = np.argsort(merged.column("ts_recv").to_numpy(), kind="stable")
                pq.write_table(merged.take(pa.array(order)).replace_schema_metadata(f.schema.metadata), f.tmp,
                               compression="zstd", row_group_size=self.row_group_rows)
            os.replace(f.tmp, f.path)
            written[str(f.path)] = f.rows
        self._files.clear()
        return written


def _raw_schema() -> Any:
    return pa.schema([("ts_recv", pa.int64()), ("frame", pa.binary()), ("tag", pa.string())],
                     metadata={KIND_KEY: b"raw"})


def raw_day_files(root: str | Path, venue: str, start: date | None = None, end: date | None = None) -> list[Path]:
    """``<root>/<venue>/_raw/<YYYY-MM-DD>.parquet`` files of the days from ``start`` to ``end`` (inclusive,
    either open), oldest first."""
    out = []
    for path in sorted((Path(root) / venue / RAW_DIR).glob("*.parquet")):
        try:
            day = date.fromisoformat(path.stem)
        except ValueError:
            continue
        if (start is None or day >= start) and (end is None or day <= end):
            out.append(path)
    return out


def read_raw_chunks(path: str | Path, chunk_frames: int = 8192) -> Iterator[tuple[list[int], list[bytes], list[str]]]:
    """The records of a raw day file, ``chunk_frames`` at a time: receive times, frames and tags (``""`` where
    a file has no tag column or a null tag)."""
    if pq is None:
        raise ImportError(PARQUET_HINT)
    file = pq.ParquetFile(path)
    has_tag = "tag" in file.schema_arrow.names
    columns = list(RAW_COLUMNS) if has_tag else ["ts_recv", "frame"]
    for batch in file.iter_batches(batch_size=chunk_frames, columns=columns):
        ts = batch.column(0).to_pylist()
        frames = batch.column(1).to_pylist()
        tags = [t or "" for t in batch.column(2).to_pylist()] if has_tag else [""] * len(ts)
        yield ts, frames, tags


def read_events(path: str | Path) -> npt.NDArray[np.void]:
    """A normalised day file the recorder wrote, as one structured array of its kind's dtype (the kind is
    read from the schema metadata)."""
    if pq is None:
        raise ImportError(PARQUET_HINT)
    table = pq.read_table(path)
    name = (table.schema.metadata or {}).get(KIND_KEY, b"").decode()
    kinds = {v: k for k, v in KIND_DIR.items()}
    if name not in kinds:
        raise ValueError(f"{path}: not a file of normalised events (kind {name!r})")
    dtype = DTYPES[kinds[name]]
    rows = np.empty(table.num_rows, dtype)
    for column in dtype.names or ():
        rows[column] = table.column(column).to_numpy()
    return rows
