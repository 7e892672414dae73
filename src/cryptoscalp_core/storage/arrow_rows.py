"""Store rows as Arrow tables: the form :class:`~cryptoscalp_core.storage.table_writer.RunTableWriter` takes.

Each table's Arrow schema follows its SQLAlchemy model: ``DecimalText`` columns are the canonical text
of the decimals (the same checks as the DB-API path: a float or a non-finite value is refused),
``Boolean`` is ``bool``, integer types are ``int64`` and every other column is text. The
``order_states`` and ``fills`` row ids are left to the database (autoincrement).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

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


Part = tuple[Mapping[str, Any], int]


def arrow_table(name: str, *parts: Part) -> pa.Table:
    """Rows of store table ``name`` as an Arrow table of its schema, from parts in row order.

    A part is ``(columns, rows)``; a column is a list of Python values (Decimals for ``DecimalText``
    columns, as :func:`~cryptoscalp_core.storage.bulk.object_columns` gives them), a numpy array (text
    already, for decimals), or one value for every row of the part. The parts are joined column by
    column before the one conversion to Arrow: a run's flush mixes hundreds of small parts, and each
    conversion has a fixed cost."""
    import pyarrow as pa

    schema = arrow_schema(name)
    decimals = _decimal_columns(name)
    arrays = []
    for f in schema:
        kind = np.bool_ if pa.types.is_boolean(f.type) else np.int64 if pa.types.is_integer(f.type) else object
        chunks = []
        for columns, rows in parts:
            if not rows:
                continue
            value = columns[f.name]
            if isinstance(value, list):
                value = _objects(text_column(value, f.name)) if f.name in decimals else (
                    _objects(value) if kind is object else np.asarray(value, dtype=kind))
            elif not isinstance(value, np.ndarray):
                value = np.full(rows, value, dtype=kind)
            chunks.append(value)
        column = chunks[0] if len(chunks) == 1 else np.concatenate(chunks) if chunks else np.empty(0, dtype=kind)
        # an object array goes through a list: Arrow converts a list of str several times faster
        arrays.append(pa.array(column.tolist() if column.dtype == object else column.astype(kind, copy=False),
                               type=f.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def _objects(values: Sequence[Any]) -> npt.NDArray[np.object_]:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


@cache
def _decimal_columns(name: str) -> frozenset[str]:
    table: Table = Base.metadata.tables[name]
    return frozenset(c.name for c in table.columns if isinstance(c.type, DecimalText))
