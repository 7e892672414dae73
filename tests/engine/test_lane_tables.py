"""The array kernels behind the fast lane's store rows, each against the Decimal or Python text it stands for.

:mod:`cryptoscalp_core.engine.lane_tables` makes the stored texts of lane orders without a Python string
or a Decimal per row: decimal texts from coefficients and exponents, ``S{n}``/``T{n}`` ids digit by digit,
client order ids as byte matrices, every fill figure with integer arithmetic. Each kernel is checked here
against the plain reference (``str(Decimal)``, an f-string, :func:`client_order_id`, the
:class:`LaneContext` Decimals), and the rows of several blocks built together against
:meth:`LaneBlock.store_columns`, block by block and mixed with the general path's parts.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("pyarrow")

from cryptoscalp_core.domain.client_ids import MAX_LEN, client_order_id, client_order_id_chars, client_order_ids
from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.engine import lane_tables
from cryptoscalp_core.engine.lane_records import LaneBlock, LaneContext
from cryptoscalp_core.engine.lane_tables import decimal_texts, fill_figures, int_texts, lane_parts
from cryptoscalp_core.sim.account import Account
from cryptoscalp_core.sim.config import SimVenueConfig
from cryptoscalp_core.storage.arrow_rows import RUN_TABLES, Rows, Texts, arrow_table


def strings(texts: Texts) -> list[str]:
    return [bytes(texts.chars[r, :texts.lengths[r]]).decode() for r in range(len(texts.lengths))]


EDGES = [0, 1, 9, 10, 99, 100, 10 ** 18 - 1, 10 ** 18, 10 ** 19 - 1, 10 ** 19, 2 ** 63, 2 ** 64 - 1]


@settings(max_examples=300)
@given(st.lists(st.tuples(st.booleans(), st.one_of(st.integers(0, 2 ** 64 - 1), st.integers(0, 10 ** 6),
                                                   st.sampled_from(EDGES)),
                          st.integers(-40, 40)), max_size=30))
def test_decimal_texts_are_the_decimals_texts(rows: list[tuple[bool, int, int]]) -> None:
    """Positional and scientific notation, zeros with exponents, negative zero, 1 to 20 digits."""
    got = decimal_texts([r[0] for r in rows], np.array([r[1] for r in rows], dtype=np.uint64), [r[2] for r in rows])
    assert strings(got) == [str(Decimal((int(sign), tuple(map(int, str(c))), e))) for sign, c, e in rows]


@settings(max_examples=200)
@given(st.lists(st.one_of(st.integers(-2 ** 63, 2 ** 63 - 1), st.integers(-1000, 10 ** 7)), max_size=30),
       st.sampled_from(["S", "T", "", "id-"]), st.booleans())
def test_int_texts_are_f_strings(values: list[int], prefix: str, blank: bool) -> None:
    got = int_texts(prefix, np.array(values, dtype=np.int64), blank=blank)
    assert strings(got) == [f"{prefix}{v}" for v in values] + ([""] if blank else [])


@settings(max_examples=200)
@given(st.sampled_from(["cs0123456789", "A", "x" * 31, "ab" * 8]),
       st.lists(st.one_of(st.integers(0, 2 ** 63 - 1), st.integers(0, 36 ** 3), st.sampled_from([0, 35, 36, 36 ** 5])),
                max_size=20))
def test_client_order_ids_are_the_ids_one_by_one(prefix: str, sequences: list[int]) -> None:
    """The byte matrix (numbers out of digits pad with zeros early) and the strings from it are
    :func:`client_order_id`'s ids, a sequence too long for the prefix refused as there."""
    try:
        want = [client_order_id(prefix, s) for s in sequences]
    except ValueError:
        with pytest.raises(ValueError, match="does not fit"):
            client_order_id_chars(prefix, np.array(sequences, dtype=np.int64))
        return
    chars = client_order_id_chars(prefix, np.array(sequences, dtype=np.int64))
    assert chars.shape == (len(sequences), MAX_LEN) and chars.flags.c_contiguous
    assert [bytes(row).decode() for row in chars] == want
    assert client_order_ids(prefix, sequences) == want


SIZES = ["0.1", "0.01", "0.5", "1", "25", "1E+1", "0.10", "0.00000001", "0.0005", "1E+2", "0.0010"]
RATES = ["0", "0.0005", "-0.0001", "0E-8", "0.00025", "1E+1"]


def _context(ticks: list[str], lots: list[str], multipliers: list[str], rates: list[str],
             bps: str | None = None) -> LaneContext:
    instruments = [Instrument("v", f"S{k}", Decimal(t), Decimal(q), contract_multiplier=Decimal(m),
                              taker_fee=Decimal(r), quote=f"Q{k}")
                   for k, (t, q, m, r) in enumerate(zip(ticks, lots, multipliers, rates, strict=True))]
    fees = None if bps is None else {"maker": 0, "taker": bps}
    return LaneContext(tuple(instruments), Account(instruments, SimVenueConfig(fees_bps=fees)))


def _reference(ctx: LaneContext, keys: list[tuple[int, int, int]]) -> list[list[str]]:
    """The seven texts of each key, Decimal by Decimal, then "0"."""
    made = [(*ctx.filled(i, t, q), ctx.price(i, t), ctx.qty(i, q), ctx.fee(i, t, q)) for i, t, q in keys]
    return [[str(v[k]) for v in made] + ["0"] for k in range(7)]


contexts = st.integers(1, 3).flatmap(lambda n: st.tuples(
    st.lists(st.sampled_from(SIZES), min_size=n, max_size=n), st.lists(st.sampled_from(SIZES), min_size=n, max_size=n),
    st.lists(st.sampled_from(["1", "10", "0.01", "1E+1", "0.0001"]), min_size=n, max_size=n),
    st.lists(st.sampled_from(RATES), min_size=n, max_size=n), st.sampled_from([None, "0", "2.5", "5", "-1"])))


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(contexts, st.data())
def test_fill_figures_are_the_contexts_decimals(setup: Any, data: st.DataObject) -> None:
    """The integer path (taken alone, where it applies) and :func:`fill_figures` (which falls back to
    Decimals past int64 or for a zero quantity) give the texts of the context's Decimals."""
    ctx = _context(*setup)
    n = len(ctx.instruments)
    keys = sorted(set(data.draw(st.lists(st.tuples(
        st.integers(0, n - 1), st.one_of(st.integers(1, 10 ** 7), st.integers(-5, 5), st.integers(1, 10 ** 17)),
        st.one_of(st.integers(1, 1000), st.integers(-3, 3), st.integers(1, 10 ** 12))), min_size=1, max_size=12))))
    array = np.array(keys, dtype=np.int64).reshape(-1, 3)
    try:
        want = _reference(ctx, keys)
    except ArithmeticError as exc:  # a zero quantity: the average price divides by zero
        with pytest.raises(type(exc)):
            fill_figures(ctx, array)
        return
    assert [strings(t) for t in fill_figures(ctx, array)] == want
    try:
        kernel = lane_tables._figures(ctx, array)
    except lane_tables._UnfitError:
        return
    assert [strings(t) for t in kernel] == want


def test_fill_figures_take_the_integer_path_for_lane_fills() -> None:
    """Prices and sizes of real instruments stay inside int64: no Decimal is made for them."""
    ctx = _context(["0.1", "0.01"], ["0.001", "1"], ["1", "0.01"], ["0", "0"], "5")
    keys = np.array([[0, 599_000, 10], [0, 1, 1], [1, 123_456_789, 250_000]], dtype=np.int64)
    got = lane_tables._figures(ctx, keys)
    assert not ctx._filled and not ctx._prices  # nothing was asked of the context
    assert [strings(t) for t in got] == _reference(ctx, keys.tolist())


def _blocks(ctx: LaneContext, orders: list[list[tuple[int, int, int, int, bool, bool]]],
            starts: Sequence[tuple[str, ...]]) -> list[LaneBlock]:
    blocks, sequence = [], 0
    for part, start in zip(orders, starts, strict=True):
        rows = np.zeros((len(part), 14), dtype=np.int64)
        for k, (inst, sign, lots, ticks, cancelled, reduce) in enumerate(part):
            rows[k] = [sequence, inst, sign, lots, reduce, 1000 + sequence, 0, 40 + sequence, 2000 + sequence,
                       90 + sequence, ticks, 3000 + sequence, 4000 + sequence, cancelled]
            sequence += 1
        blocks.append(LaneBlock([rows], "pfx", ctx, tuple(Decimal(s) for s in start)))
    return blocks


order = st.tuples(st.integers(0, 1), st.sampled_from([-1, 1]), st.sampled_from([1, 3, 10, 20]),
                  st.integers(599_000, 601_000), st.booleans(), st.booleans())


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(order, max_size=12), min_size=1, max_size=5),
       st.lists(st.tuples(st.sampled_from(["0", "0.003", "-0.01", "0.0030", "0E-5"]),
                          st.sampled_from(["0", "2", "-3", "2.0", "0E+1"])), min_size=5, max_size=5),
       st.sampled_from(["0", "2.5"]))
def test_blocks_built_together_hold_each_blocks_rows(orders: list[list[Any]], starts: list[tuple[str, str]],
                                                     taker_bps: str) -> None:
    """Several blocks of two instruments (lots of 0.001 and of 1) built at once: each block's tables are its
    :meth:`LaneBlock.store_columns`, and the blocks' parts between general-path parts keep their order."""
    ctx = _context(["0.1", "0.5"], ["0.001", "1"], ["1", "1"], ["0", "0"], taker_bps)
    blocks = _blocks(ctx, orders, starts[:len(orders)])
    made = lane_parts(blocks, "run-x")
    for block, parts in zip(blocks, made, strict=True):
        for name, part, columns in zip(RUN_TABLES, parts, block.store_columns("run-x"), strict=True):
            rows = len(next(iter(columns.values()))) if columns else 0
            assert part[1] == rows and isinstance(part[0], Rows)
            assert arrow_table(name, part).equals(arrow_table(name, (columns, rows))), name
    # general parts (the store columns as lists) between the lane parts, every other block
    for t, name in enumerate(RUN_TABLES):
        mixed, plain = [], []
        for k, (block, parts) in enumerate(zip(blocks, made, strict=True)):
            columns = block.store_columns("run-x")[t]
            rows = len(next(iter(columns.values()))) if columns else 0
            mixed.append((columns, rows) if k % 2 else parts[t])
            plain.append((columns, rows))
        assert arrow_table(name, *mixed).equals(arrow_table(name, *plain)), name
