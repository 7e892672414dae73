"""The store rows of a :class:`~cryptoscalp_core.engine.lane_records.LaneBlock`, as arrays.

The same rows as :meth:`LaneBlock.store_columns`, built with array operations: a decimal's text is
made once per distinct value (a price per distinct tick count, a fill's figures per distinct
``(instrument, ticks, lots)``) and spread by indexing; each order's three states are the columns of
its final state interleaved with the two states before it. Building these while the engine runs is
what lets the table writer overlap the write with the simulation, so nothing here loops in Python
per order. Text columns stay numpy object arrays until the recorder's one conversion to Arrow per
column and flush.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from cryptoscalp_core.domain import _exact
from cryptoscalp_core.domain.client_ids import client_order_ids
from cryptoscalp_core.domain.orders import OrderSide, OrderStatus, OrderType, TimeInForce
from cryptoscalp_core.storage.arrow_rows import Part

if TYPE_CHECKING:
    from cryptoscalp_core.engine.lane_records import LaneBlock

# columns of cryptoscalp_speedups.taker_lane.ORDER_COLUMNS
_SEQ, _INST, _SIGN, _LOTS, _REDUCE, _CREATED, _ACK_ID, _ACK_AT, _TRADE, _TICKS, _FILL_TS, _END = (
    0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12)
_CANCELLED = 13
Objects = npt.NDArray[np.object_]


def _texts(keys: npt.NDArray[np.int64], make: Any, width: int) -> list[Objects]:
    """For rows of ``keys``, the texts of the ``width`` values ``make(*key)`` gives, made once per distinct
    key."""
    return per_key(keys, make, width, str)


def per_key(keys: npt.NDArray[np.int64], make: Any, width: int, convert: Any = None) -> list[Objects]:
    """For rows of ``keys``, the ``width`` values ``make(*key)`` gives (each passed through ``convert`` when
    given), made once per distinct key."""
    if not len(keys):
        return [np.empty(0, dtype=object) for _ in range(width)]
    low = keys.min(axis=0)
    spans = keys.max(axis=0) - low + 1
    if float(np.prod(spans.astype(np.float64))) < 2.0 ** 62:  # one mixed-radix number per row: a 1-d unique
        radix = np.concatenate((np.cumprod(spans[::-1])[::-1][1:], [1]))
        codes, index = np.unique((keys - low) @ radix, return_inverse=True)
        unique = np.stack([codes // r % s for r, s in zip(radix.tolist(), spans.tolist(), strict=True)], axis=1) + low
    else:
        unique, index = np.unique(keys, axis=0, return_inverse=True)
    made = [make(*key) for key in unique.tolist()]
    index = index.reshape(-1)
    return [_objects([v[k] if convert is None else convert(v[k]) for v in made])[index] for k in range(width)]


def _objects(values: list[Any]) -> Objects:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _pick(choices: list[Any], index: npt.NDArray[Any]) -> Objects:
    return _objects(choices)[np.asarray(index, dtype=np.intp)]


def _interleave(first: Any, second: Any, last: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """``[first, second, last[0], first, second, last[1], ...]``; ``first`` and ``second`` are scalars or
    arrays of ``last``'s length."""
    out = np.empty((len(last), 3), dtype=last.dtype)
    out[:, 0], out[:, 1], out[:, 2] = first, second, last
    return out.reshape(-1)


def _exponent(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)  # finite
    return exponent


def _requested(block: LaneBlock) -> Objects:
    """The text of each order's requested quantity, as :meth:`LaneBlock.request_qtys` computes it.

    There, ``abs(lot_size * target_lots - position)`` with the position on the lot grid (``qty_to_lots``
    refuses anything else) has the value ``lots * lot_size``; its exponent is the smaller of the lot
    size's and the position's, and the position's is the smallest of its start's and of every fill
    added to it before (exact sums keep the smallest exponent of their terms)."""
    ctx, o = block.context, block.orders
    inst, lots, filled = o[:, _INST], o[:, _LOTS], o[:, _CANCELLED] == 0
    exponent = np.zeros(len(o), dtype=np.int64)
    for i in np.unique(inst).tolist():
        mine = inst == i
        sizes = {n: _exponent(ctx.qty(i, n)) for n in np.unique(lots[mine]).tolist()}
        added = np.where(filled[mine], [sizes[n] for n in lots[mine].tolist()], np.iinfo(np.int64).max)
        before = np.minimum.accumulate(np.concatenate(([_exponent(block.start[i])], added)))[:-1]
        exponent[mine] = np.minimum(before, _exponent(ctx.instruments[i].lot_size))
    keys = np.stack([inst, lots, exponent], axis=1)
    return _texts(keys, lambda i, n, e: (_exact.mul(ctx.instruments[i].lot_size, Decimal(n)).quantize(
        Decimal((0, (1,), e)), context=_exact.EXACT),), 1)[0]


def lane_columns(block: LaneBlock, run_id: str) -> tuple[Part, Part, Part]:
    """The ``orders``, ``order_states`` and ``fills`` rows of ``block``, in order, as parts for
    :func:`~cryptoscalp_core.storage.arrow_rows.arrow_table` (text columns as numpy object arrays)."""
    ctx, o = block.context, block.orders
    n = len(o)
    cancelled = o[:, _CANCELLED] != 0
    inst = o[:, _INST]
    cids = _objects(client_order_ids(block.prefix, o[:, _SEQ]))
    ids = _pick([i.id for i in ctx.instruments], inst)
    sides = _pick([OrderSide.SELL.value, OrderSide.BUY.value], o[:, _SIGN] > 0)
    vids = _objects([f"S{v}" for v in o[:, _ACK_ID].tolist()])
    filled_rows = o[~cancelled]
    # one text per distinct fill: (filled qty, avg price, fees, notional, fill price, fill qty, fill fee)
    per_fill = _texts(filled_rows[:, [_INST, _TICKS, _LOTS]],
                      lambda i, t, q: (*ctx.filled(i, t, q), ctx.price(i, t), ctx.qty(i, q), ctx.fee(i, t, q)), 7)
    final = []
    for k in range(4):  # an order's final figures: its fill's, or zeros when it was cancelled
        column = np.full(n, "0", dtype=object)
        column[~cancelled] = per_fill[k]
        final.append(column)
    status = _pick([OrderStatus.FILLED.value, OrderStatus.CANCELED.value], cancelled)
    end_at = o[:, _END]
    done = {"status": status, "filled_qty": final[0], "avg_fill_price": final[1], "fees": final[2],
            "venue_order_id": vids, "reason": "", "status_before_cancel": None, "ts_updated": end_at,
            "filled_notional": final[3]}
    orders = {"run_id": run_id, "client_order_id": cids, "instrument_id": ids, "side": sides,
              "order_type": OrderType.MARKET.value, "qty": _requested(block), "price": None,
              "time_in_force": TimeInForce.IOC.value, "reduce_only": o[:, _REDUCE] != 0,
              "ts_created": o[:, _CREATED], **done}
    # each order's states, in the order the general path stores them: pending, new, filled or cancelled
    blank = {"filled_qty": "0", "avg_fill_price": "0", "fees": "0", "filled_notional": "0"}
    states = {"run_id": run_id, "client_order_id": _interleave(cids, cids, cids),
              "status": _interleave(OrderStatus.PENDING_NEW.value, OrderStatus.NEW.value, status),
              "venue_order_id": _interleave("", vids, vids), "reason": "", "status_before_cancel": None,
              "ts_updated": _interleave(0, o[:, _ACK_AT], end_at),
              **{key: _interleave(value, value, final[k]) for k, (key, value) in enumerate(blank.items())}}
    fills = {"run_id": run_id, "client_order_id": cids[~cancelled], "instrument_id": ids[~cancelled],
             "side": sides[~cancelled], "price": per_fill[4], "qty": per_fill[5], "fee": per_fill[6],
             "fee_asset": _pick([i.quote for i in ctx.instruments], filled_rows[:, _INST]), "is_maker": False,
             "trade_id": _objects([f"T{v}" for v in filled_rows[:, _TRADE].tolist()]),
             "venue_order_id": vids[~cancelled], "ts_event": filled_rows[:, _FILL_TS], "ts_recv": filled_rows[:, _END]}
    return (orders, n), (states, 3 * n), (fills, len(filled_rows))
