"""Writing and reading the Parquet layout (:mod:`cryptoscalp_feed_replay.layout`) with pyarrow.

Files carry the kind and, for book deltas, the tick size in their schema metadata: book prices are
integer ticks, which mean nothing without the grid they were counted on, so a reader whose instrument
has another tick size refuses the file instead of building a book at the wrong prices.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]

from cryptoscalp_core.domain.events import DTYPES, EventKind
from cryptoscalp_feed_replay.layout import DEFAULT_DIR, KIND_DIRS, OHLCV_DIR, day_path
from cryptoscalp_feed_replay.ohlcv import OHLCV_DTYPE

KIND_KEY = b"cryptoscalp.kind"
TICK_KEY = b"cryptoscalp.tick_size"
_NS_PER_DAY = 86_400 * 10**9


def dtype_of(kind_dir: str) -> np.dtype[np.void]:
    """The row dtype of a layout ``<kind>`` directory."""
    if kind_dir == OHLCV_DIR:
        return OHLCV_DTYPE
    if kind_dir not in KIND_DIRS:
        raise ValueError(f"unknown kind directory {kind_dir!r}; expected one of {[*KIND_DIRS, OHLCV_DIR]}")
    return DTYPES[KIND_DIRS[kind_dir]]


def write_parquet(root: str | Path, venue: str, symbol: str, kind: EventKind | str, rows: npt.NDArray[np.void], *,
                  tick_size: Decimal | str | None = None, row_group_rows: int = 65_536) -> list[Path]:
    """Write ``rows`` into the layout, one file per UTC day of their time column, and return the paths.

    ``kind`` is an :class:`EventKind` (its default directory) or a directory name (``agg_trade``,
    ``ohlcv_1m``…). ``rows`` must have exactly the kind's dtype; they are stably sorted by time. Book
    deltas need ``tick_size``. An existing day file is replaced (written to a temporary file, then
    renamed, so a reader never sees half a file); merging with it is the caller's decision.
    """
    kind_dir = DEFAULT_DIR[kind] if isinstance(kind, EventKind) else kind
    dtype = dtype_of(kind_dir)
    if rows.dtype != dtype:
        raise TypeError(f"{kind_dir} rows must have dtype {dtype}, got {rows.dtype}")
    if kind_dir == "book_delta" and tick_size is None:
        raise ValueError("book deltas are integer ticks: pass the tick_size they were counted on")
    metadata = {KIND_KEY: kind_dir.encode()}
    if tick_size is not None:
        metadata[TICK_KEY] = str(Decimal(str(tick_size)).normalize()).encode()
    time_col = "ts_open" if kind_dir == OHLCV_DIR else "ts_recv"
    rows = rows[np.argsort(rows[time_col], kind="stable")]
    days = rows[time_col] // _NS_PER_DAY
    paths: list[Path] = []
    for day in np.unique(days):
        part = rows[days == day]
        table = pa.table({name: np.ascontiguousarray(part[name]) for name in dtype.names or ()})
        table = table.replace_schema_metadata(metadata)
        when = datetime.fromtimestamp(int(day) * 86_400, tz=UTC).date()
        path = day_path(Path(root), venue, symbol, kind_dir, when)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        pq.write_table(table, tmp, row_group_size=row_group_rows, compression="zstd")
        os.replace(tmp, path)
        paths.append(path)
    return paths


def check_schema(path: Path, kind_dir: str, tick_size: Decimal | None = None) -> int:
    """Raise ``ValueError`` unless the file has exactly the kind's columns and types (and, for book
    deltas, was written on ``tick_size``). Returns its row count. Reads only the footer."""
    meta = pq.ParquetFile(path)
    schema = meta.schema_arrow
    dtype = dtype_of(kind_dir)
    expected = pa.schema([(name, pa.from_numpy_dtype(dtype[name])) for name in dtype.names or ()])
    if schema.names != expected.names or not schema.remove_metadata().equals(expected):
        raise ValueError(f"{path}: columns {schema} are not those of {kind_dir} rows ({expected})")
    if tick_size is not None and kind_dir == "book_delta":
        stored = (schema.metadata or {}).get(TICK_KEY)
        if stored is None or Decimal(stored.decode()) != tick_size:
            raise ValueError(f"{path}: book prices were counted in ticks of {stored!r}, the instrument's tick "
                             f"size is {tick_size}: rewrite the file or fix the instrument")
    return int(meta.metadata.num_rows)


def read_chunks(path: Path, kind_dir: str, chunk_rows: int, *,
                first_group_alone: bool = False) -> Iterator[npt.NDArray[np.void]]:
    """The file's rows as structured arrays of at most ``chunk_rows`` rows, read batch by batch.

    ``first_group_alone``: the first row group is read by itself (as at most ``chunk_rows`` rows), so
    a replay can start on it while the next ``chunk_rows`` are decoded rather than wait for all of them.
    """
    dtype = dtype_of(kind_dir)
    file = pq.ParquetFile(path)
    groups = list(range(file.num_row_groups))
    runs = [groups[:1], groups[1:]] if first_group_alone and len(groups) > 1 else [groups]
    for run in runs:
        for batch in file.iter_batches(batch_size=chunk_rows, row_groups=run):
            rows = np.empty(batch.num_rows, dtype=dtype)
            for name in dtype.names or ():
                rows[name] = batch.column(name).to_numpy(zero_copy_only=False)
            yield rows


def read_parquet(path: str | Path) -> npt.NDArray[np.void]:
    """A whole day file as one structured array (its kind is taken from its directory name)."""
    path = Path(path)
    chunks = list(read_chunks(path, path.parent.name, 1 << 20))
    return np.concatenate(chunks) if chunks else np.empty(0, dtype=dtype_of(path.parent.name))
