"""Store rows as Arrow tables: the form :class:`~cryptoscalp_core.storage.table_writer.RunTableWriter` takes.

Each table's Arrow schema follows its SQLAlchemy model: ``DecimalText`` columns are the canonical text
of the decimals (the same checks as the DB-API path: a float or a non-finite value is refused),
``Boolean`` is ``bool``, integer types are ``int64`` and every other column is text. The
``order_states`` and ``fills`` row ids are left to the database (autoincrement).

Text columns are built from numpy arrays of bytes, not with Arrow's compute functions: importing
``pyarrow.compute`` alone costs a run tens of milliseconds, more than gathering its texts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import numpy.typing as npt
from sqlalchemy import BigInteger, Boolean, Integer, Table

from cryptoscalp_core.storage.bulk import text_column
from cryptoscalp_core.storage.models import Base
from cryptoscalp_core.storage.types import DecimalText

if TYPE_CHECKING:
    import pyarrow as pa  # type: ignore[import-untyped]

#: the tables a simulated run's bulk import writes, in an order that satisfies their foreign keys
RUN_TABLES = ("orders", "order_states", "fills")


@cache
def arrow_schema(name: str) -> pa.Schema:
    """The Arrow schema of store table ``name`` without its autoincrement id."""
    import pyarrow as pa

    table: Table = Base.metadata.tables[name]
    fields = []
    for column in table.columns:
        if column.autoincrement is True or (column.primary_key and column.name == "id"):
            continue
        kind = column.type
        arrow = (pa.bool_() if isinstance(kind, Boolean) else pa.int64() if isinstance(kind, Integer | BigInteger)
                 else pa.string())
        fields.append(pa.field(column.name, arrow, nullable=bool(column.nullable)))
    return pa.schema(fields)


class Texts(NamedTuple):
    """Texts as fixed-width UTF-8: text ``r`` is the first ``lengths[r]`` bytes of row ``r`` of the 2-d
    ``uint8`` array ``chars`` (valid UTF-8: Arrow takes the bytes as they are). Texts made with array
    operations take this form without a Python string each; :func:`texts` makes it from strings."""

    chars: npt.NDArray[np.uint8]
    lengths: npt.NDArray[np.int64]


class Indexed(NamedTuple):
    """A column as its values and, for each row, the index of its value: row ``r`` is
    ``values[indices[r]]``. ``values`` is :class:`Texts`, a list or a numpy array (texts already for
    ``DecimalText`` columns, ``None`` for a null; numbers for integer and boolean columns); the same
    ``values`` object may serve many parts, and is converted once per column."""

    values: Any
    indices: npt.NDArray[np.integer[Any]]


class Rows(NamedTuple):
    """A part's columns given as rows ``start`` to ``stop`` of another part (its source, itself never a
    ``Rows``). Parts cut from one source cost one gather per column, not one conversion per part."""

    part: Part
    start: int
    stop: int


Part = tuple["Mapping[str, Any] | Rows", int]


def texts(values: Sequence[str]) -> Texts:
    """``values`` as :class:`Texts` (``None`` is refused: a null is no text)."""
    chars, lengths, nulls = _encode(values)
    if nulls is not None:
        raise ValueError("texts() takes strings, not None")
    return Texts(chars, lengths)


def arrow_table(name: str, *parts: Part) -> pa.Table:
    """Rows of store table ``name`` as an Arrow table of its schema, from parts in row order.

    A part is ``(columns, rows)``, or ``(Rows(source, start, stop), rows)`` for rows of a source part. A
    column is a list of Python values (Decimals for ``DecimalText`` columns, as
    :func:`~cryptoscalp_core.storage.bulk.object_columns` gives them), a numpy array (text already, for
    decimals), :class:`Texts` (one a row), an :class:`Indexed` column, or one value for every row of the
    part. Each distinct source is converted once, column by column, and the parts' rows are gathered from
    the sources (the text columns of one padded width together, without a Python string per row): a run's
    flush mixes hundreds of small parts, and each conversion has a fixed cost."""
    import pyarrow as pa

    schema = arrow_schema(name)
    decimals = _decimal_columns(name)
    index: dict[tuple[int, int], int] = {}
    sources: list[tuple[Mapping[str, Any], int]] = []
    segments: list[tuple[int, int, int]] = []  # (source, first row, rows) of each part, in order
    for columns, rows in parts:
        if not rows:
            continue
        if isinstance(columns, Rows):
            (source, total), start, stop = columns
            if isinstance(source, Rows) or not 0 <= start <= stop <= total or stop - start != rows:
                raise ValueError(f"{name}: rows {start}..{stop} of a part of {total} rows do not make {rows} rows")
        else:
            source, total, start = columns, rows, 0
        k = index.setdefault((id(source), total), len(sources))
        if k == len(sources):
            sources.append((source, total))
        segments.append((k, start, rows))
    whole = len(segments) == len(sources) and all(
        k == j and start == 0 and rows == sources[k][1] for j, (k, start, rows) in enumerate(segments))
    layout = None
    if not whole:  # each part's rows as positions in the sources laid end to end
        first = np.cumsum([0] + [total for _, total in sources])
        begins = np.array([first[k] + start for k, start, _ in segments], dtype=np.int64)
        counts = np.array([rows for _, _, rows in segments], dtype=np.int64)
        layout = np.arange(int(counts.sum()), dtype=np.int64) + np.repeat(begins - (np.cumsum(counts) - counts),
                                                                          counts)
    arrays: dict[str, Any] = {}
    gathers: list[tuple[str, list[Encoded], npt.NDArray[np.int64]]] = []  # text columns still to gather
    for f in schema:
        if pa.types.is_boolean(f.type) or pa.types.is_integer(f.type):
            values = _numbers(f.name, np.bool_ if pa.types.is_boolean(f.type) else np.int64, sources)
            arrays[f.name] = pa.array(values if layout is None else values[layout], type=f.type)
        else:
            got = _text_column(pa, f, f.name in decimals, sources, layout)
            if isinstance(got, tuple):
                gathers.append((f.name, *got))
            else:
                arrays[f.name] = got
    # the columns of one padded width gathered together: each step a pass over all their rows
    widths = [_width(encoded) for _, encoded, _ in gathers]
    for width in sorted(set(widths)):
        group = [column for column, w in zip(gathers, widths, strict=True) if w == width]
        arrays.update(zip([name for name, _, _ in group], _gather(pa, group), strict=True))
    return pa.Table.from_arrays([arrays[f.name] for f in schema], schema=schema)


def _numbers(name: str, kind: type[np.generic], sources: list[tuple[Mapping[str, Any], int]]) -> npt.NDArray[Any]:
    chunks = []
    for columns, rows in sources:
        value = columns[name]
        if isinstance(value, Indexed):
            value = np.asarray(value.values, dtype=kind)[np.asarray(value.indices, dtype=np.intp)]
        elif isinstance(value, list | np.ndarray):
            value = np.asarray(value, dtype=kind)
        else:
            value = np.full(rows, value, dtype=kind)
        if len(value) != rows:
            raise ValueError(f"column {name}: {len(value)} rows in a part of {rows}")
        chunks.append(value)
    return chunks[0] if len(chunks) == 1 else np.concatenate(chunks) if chunks else np.empty(0, dtype=kind)


def _text_column(pa: Any, f: pa.Field, decimal: bool, sources: list[tuple[Mapping[str, Any], int]],
                 layout: npt.NDArray[np.int64] | None) -> pa.Array | tuple[list[Encoded], npt.NDArray[np.int64]]:
    """One text column, or what to gather it from: the Python values of every source encoded together, the
    :class:`Texts` and indexed values after them (one dictionary), and each row's index in it."""
    plain: list[Any] = []
    scalars: dict[Any, int] = {}  # a value given for a whole part: one entry in ``plain``
    extra: dict[int, tuple[int, Any]] = {}  # Texts or indexed values by identity: (position, values)
    pieces: list[tuple[int, Any]] = []  # each source's rows: (values, indices) with -1 for ``plain``
    for columns, rows in sources:
        value = columns[f.name]
        if isinstance(value, Indexed | Texts):
            values, indices = value if isinstance(value, Indexed) else (value, np.arange(rows, dtype=np.int64))
            if len(indices) != rows:
                raise ValueError(f"column {f.name}: {len(indices)} rows in a part of {rows}")
            got = extra.setdefault(id(values), (len(extra), values))
            pieces.append((got[0], indices))
        elif isinstance(value, list | np.ndarray):
            if len(value) != rows:
                raise ValueError(f"column {f.name}: {len(value)} rows in a part of {rows}")
            pieces.append((-1, np.arange(len(plain), len(plain) + rows, dtype=np.int64)))
            plain.extend(text_column(value, f.name) if decimal and isinstance(value, list) else
                         value.tolist() if isinstance(value, np.ndarray) else value)
        else:
            at = scalars.get(value)
            if at is None:
                at = scalars[value] = len(plain)
                plain.append(value)
            pieces.append((-1, np.full(rows, at, dtype=np.int64)))
    if not extra and not scalars and layout is None:
        return pa.array(plain, type=f.type)  # the rows are the plain values, in order
    count = sum(rows for _, rows in sources) if layout is None else len(layout)
    same = _one_value(plain, [values for _, values in extra.values()])
    if same is not None:  # a column of one value (a run id, a null...) needs no gather
        return pa.nulls(count, type=f.type) if same[0] is None else _repeat(pa, same[0], count)
    dictionary = [_encode(plain)]
    for _, values in extra.values():
        dictionary.append((values.chars, values.lengths, None) if isinstance(values, Texts) else _encode(
            values.tolist() if isinstance(values, np.ndarray) else values))
    offsets = np.cumsum([0] + [len(lengths) for _, lengths, _ in dictionary])
    gather = np.concatenate([np.asarray(indices, dtype=np.int64) + offsets[k + 1] for k, indices in pieces])
    return dictionary, gather if layout is None else gather[layout]


Encoded = tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64], "npt.NDArray[np.bool_] | None"]


def _encode(values: Sequence[Any]) -> Encoded:
    """Texts (or ``None``) as fixed-width UTF-8 bytes, their lengths, and which are null (``None`` when
    none is)."""
    nulls = None
    if None in values:
        nulls = np.fromiter((v is None for v in values), dtype=np.bool_, count=len(values))
        data = [b"" if v is None else v.encode("utf-8") for v in values]
    else:
        data = [v.encode("utf-8") for v in values]
    lengths = np.fromiter(map(len, data), dtype=np.int64, count=len(data))
    width = max(1, int(lengths.max())) if len(data) else 1
    return np.array(data, dtype=f"S{width}").view(np.uint8).reshape(len(data), width), lengths, nulls


def _width(parts: list[Encoded]) -> int:
    """The width of ``parts`` padded to a whole number of 8-byte words (at least one)."""
    return max(8, -(-max(int(chars.shape[1]) for chars, _, _ in parts) // 8) * 8)


def _join(parts: list[Encoded]) -> Encoded:
    """Encoded texts one after the other, padded as :func:`_width` says."""
    width = _width(parts)
    chars = np.zeros((sum(len(c) for c, _, _ in parts), width), dtype=np.uint8)
    at = 0
    for c, _, _ in parts:
        chars[at:at + len(c), :c.shape[1]] = c
        at += len(c)
    nulls = None
    if any(n is not None for _, _, n in parts):
        nulls = np.concatenate([np.zeros(len(c), dtype=np.bool_) if n is None else n for c, _, n in parts])
    return chars, np.concatenate([lengths for _, lengths, _ in parts]), nulls


def _gather(pa: Any, columns: list[tuple[str, list[Encoded], npt.NDArray[np.int64]]]) -> list[pa.Array]:
    """The Arrow string arrays of ``columns``, each the texts ``at`` of its encoded ones (of one
    :func:`_width`): one dictionary, one take and one cut for them all."""
    chars, lengths, nulls = _join([part for _, parts, _ in columns for part in parts])
    width = chars.shape[1]
    bases = np.cumsum([0] + [sum(len(part[1]) for part in parts) for _, parts, _ in columns])
    at = np.concatenate([indices + base for (_, _, indices), base in zip(columns, bases.tolist(), strict=False)])
    got = lengths[at]
    ends = np.zeros(len(at) + 1, dtype=np.int64)
    np.cumsum(got, out=ends[1:])
    # each row taken as one item of whole 8-byte words: several times faster than a take of the rows of a
    # 2-d array of bytes
    cell = np.dtype((np.void, width))
    rows = np.take(chars.view(cell).reshape(-1), at).view(np.uint8)
    shortest, longest = (int(got.min()), int(got.max())) if len(at) else (0, 0)
    if shortest == longest:  # texts of one length: the rows cut to it
        data = np.ascontiguousarray(rows.reshape(len(at), width)[:, :shortest]).reshape(-1)
    else:  # the leading ``got`` bytes of each row
        keep = np.ascontiguousarray(np.arange(width) < lengths[:, None])
        data = np.compress(np.take(keep.view(cell).reshape(-1), at).view(np.bool_), rows)
    valid = None if nulls is None else ~nulls[at]
    out = []
    first = 0
    for _, _, indices in columns:
        last = first + len(indices)
        offsets = ends[first:last + 1] - ends[first]
        if offsets[-1] >= 2 ** 31:
            raise OverflowError("a column's texts exceed the 2 GiB of an Arrow string array")
        bitmap, null_count = None, 0
        if valid is not None:
            null_count = len(indices) - int(valid[first:last].sum())
            if null_count:
                bitmap = pa.py_buffer(np.packbits(valid[first:last], bitorder="little"))
        out.append(pa.StringArray.from_buffers(len(indices), pa.py_buffer(offsets.astype(np.int32)),
                                               pa.py_buffer(data[ends[first]:ends[last]]), bitmap, null_count))
        first = last
    return out


def _one_value(plain: list[Any], extra: list[Any]) -> tuple[Any] | None:
    """``(v,)`` when ``v`` is the only value among ``plain`` and the short lists of ``extra``, else ``None``
    (also when ``extra`` holds something else, or a value cannot be hashed: the column is then not worth
    the check)."""
    if any(not isinstance(values, list) or len(values) > 16 for values in extra):
        return None
    try:
        seen = set(plain).union(*extra)
    except TypeError:
        return None
    return (next(iter(seen)),) if len(seen) == 1 else None


def _repeat(pa: Any, text: str, count: int) -> pa.Array:
    """``text`` ``count`` times, as an Arrow string array made from its buffers."""
    data = text.encode("utf-8")
    if count * len(data) >= 2 ** 31:
        raise OverflowError("a column's texts exceed the 2 GiB of an Arrow string array")
    offsets = (np.arange(count + 1, dtype=np.int64) * len(data)).astype(np.int32)
    return pa.StringArray.from_buffers(count, pa.py_buffer(offsets), pa.py_buffer(data * count))


@cache
def _decimal_columns(name: str) -> frozenset[str]:
    table: Table = Base.metadata.tables[name]
    return frozenset(c.name for c in table.columns if isinstance(c.type, DecimalText))
