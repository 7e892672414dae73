"""Store rows as Arrow tables: the form :class:`~cryptoscalp_core.storage.table_writer.RunTableWriter` takes.

Each table's Arrow schema follows its SQLAlchemy model: ``DecimalText`` columns are the canonical text
of the decimals (the same checks as the DB-API path: a float or a non-finite value is refused),
``Boolean`` is ``bool``, integer types are ``int64`` and every other column is text. The
``order_states`` and ``fills`` row ids are left to the database (autoincrement).
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from sqlalchemy import BigInteger, Boolean, Integer, Table

from cryptoscalp_core.storage.bulk import Columns, text_column
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


def arrow_table(name: str, columns: Columns) -> pa.Table:
    """Columns already mapped to store table ``name`` (name -> values) as an Arrow table of its schema."""
    import pyarrow as pa

    schema = arrow_schema(name)
    if not columns:  # no rows (columns_of gives no names then)
        return schema.empty_table()
    decimals = _decimal_columns(name)
    arrays = [pa.array(text_column(columns[f.name], f.name) if f.name in decimals else columns[f.name], type=f.type)
              for f in schema]
    return pa.Table.from_arrays(arrays, schema=schema)


@cache
def _decimal_columns(name: str) -> frozenset[str]:
    table: Table = Base.metadata.tables[name]
    return frozenset(c.name for c in table.columns if isinstance(c.type, DecimalText))
