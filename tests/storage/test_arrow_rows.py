"""Every form of column :func:`arrow_table` takes gives the table of the same rows given as plain lists.

The fast lane hands over indexed columns, byte-matrix texts, one value for a whole part and ranges of a
larger part (:class:`Rows`); the general path hands over lists of Python values. Here random rows are
given both ways, cut into parts and mixed, and the tables must be equal, nulls and non-ASCII text included.
"""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pa = pytest.importorskip("pyarrow")

from cryptoscalp_core.storage.arrow_rows import (  # noqa: E402
    RUN_TABLES,
    Indexed,
    Rows,
    _decimal_columns,
    arrow_schema,
    arrow_table,
    texts,
)

TEXTS = ["", "a", "BUY", "SELL", "PENDING_NEW", "é", "€uro", "x" * 33, "run-1", "S12345"]
DECIMALS = [Decimal("0"), Decimal("0E-8"), Decimal("-1.50"), Decimal("59955.6"), Decimal("1E+2"), Decimal("0.001")]


def _values(name: str, rows: int, data: st.DataObject) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for f in arrow_schema(name):
        if pa.types.is_boolean(f.type):
            strategy: Any = st.booleans()
        elif pa.types.is_integer(f.type):
            strategy = st.integers(-2 ** 63, 2 ** 63 - 1)
        elif f.name in _decimal_columns(name):
            strategy = st.sampled_from(DECIMALS)
        else:
            strategy = st.sampled_from(TEXTS)
        if f.nullable:
            strategy = st.one_of(st.none(), strategy)
        # few distinct values in some columns, so that whole parts share one value
        pool = data.draw(st.lists(strategy, min_size=1, max_size=3)) if data.draw(st.booleans()) else None
        out[f.name] = [data.draw(st.sampled_from(pool) if pool else strategy) for _ in range(rows)]
    return out


def _form(name: str, column: str, values: list[Any], data: st.DataObject) -> Any:
    """``values`` in one of the forms ``arrow_table`` takes (the plain list among them)."""
    decimal = column in _decimal_columns(name)
    text: list[Any] = [None if v is None else str(v) for v in values] if decimal else values
    choices = ["list", "indexed"]
    if len(set(map(repr, values))) == 1:
        choices.append("scalar")
    if not pa.types.is_boolean(arrow_schema(name).field(column).type) and not pa.types.is_integer(
            arrow_schema(name).field(column).type):
        choices.append("objects")
        if None not in values:
            choices += ["texts", "indexed texts"]
    choice = data.draw(st.sampled_from(choices))
    distinct = list(dict.fromkeys(text))
    index = np.array([distinct.index(v) for v in text], dtype=np.int64)
    if choice == "list":
        return values
    if choice == "scalar":
        return text[0]
    if choice == "objects":
        array = np.empty(len(text), dtype=object)
        array[:] = text
        return array
    if choice == "texts":
        return texts(text)
    if choice == "indexed texts":
        return Indexed(texts([*distinct, "unused"]), index)
    return Indexed(distinct, index)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(RUN_TABLES), st.integers(1, 30), st.data())
def test_every_form_of_column_gives_the_rows_of_plain_lists(name: str, rows: int, data: st.DataObject) -> None:
    columns = _values(name, rows, data)
    want = arrow_table(name, (columns, rows))
    cuts = sorted(set(data.draw(st.lists(st.integers(0, rows), max_size=5))) | {0, rows})
    parts: list[Any] = []
    for start, stop in itertools.pairwise(cuts):
        piece = {key: values[start:stop] for key, values in columns.items()}
        if stop > start and data.draw(st.booleans()):
            # the piece as a range of a larger source part, whose other rows are never used
            pad = data.draw(st.integers(0, 3))
            source = {key: [values[0]] * pad + values + [values[-1]] * pad for key, values in piece.items()}
            formed = {key: _form(name, key, values, data) for key, values in source.items()}
            parts.append((Rows((formed, stop - start + 2 * pad), pad, pad + stop - start), stop - start))
        else:
            parts.append(({key: _form(name, key, values, data) for key, values in piece.items()}, stop - start))
    got = arrow_table(name, *parts)
    assert got.schema == want.schema
    assert got.to_pylist() == want.to_pylist()
    assert got.equals(want)


def test_parts_that_share_a_source_are_gathered_in_order() -> None:
    source = ({"run_id": "r", "client_order_id": Indexed(["a", "b", "c"], np.array([2, 1, 0, 1])),
               "trade_id": texts(["t0", "t1", "t2", "t3"]), "instrument_id": "i", "side": ["BUY", "SELL", "BUY", "BUY"],
               "price": texts(["1", "2", "3", "4"]), "qty": "1", "fee": "0", "fee_asset": "USDT", "is_maker": False,
               "venue_order_id": "", "ts_event": np.arange(4), "ts_recv": 7}, 4)
    general = ({"run_id": ["r"], "client_order_id": ["z"], "trade_id": ["tz"], "instrument_id": ["i"],
                "side": ["SELL"], "price": [Decimal("9.0")], "qty": [Decimal(1)], "fee": [Decimal(0)],
                "fee_asset": ["USDT"], "is_maker": [True], "venue_order_id": ["v"], "ts_event": [9], "ts_recv": [9]}, 1)
    table = arrow_table("fills", (Rows(source, 2, 4), 2), general, (Rows(source, 0, 1), 1), (Rows(source, 1, 2), 1))
    assert table.column("client_order_id").to_pylist() == ["a", "b", "z", "c", "b"]
    assert table.column("trade_id").to_pylist() == ["t2", "t3", "tz", "t0", "t1"]
    assert table.column("price").to_pylist() == ["3", "4", "9.0", "1", "2"]
    assert table.column("fee_asset").to_pylist() == ["USDT"] * 5
    assert table.column("ts_event").to_pylist() == [2, 3, 9, 0, 1]
    with pytest.raises(ValueError, match="rows"):
        arrow_table("fills", (Rows(source, 3, 5), 2))
