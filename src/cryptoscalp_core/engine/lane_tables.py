"""The store rows of :class:`~cryptoscalp_core.engine.lane_records.LaneBlock` s, as parts for
:func:`~cryptoscalp_core.storage.arrow_rows.arrow_table`.

The same rows as :meth:`LaneBlock.store_columns`, built with array operations over all the blocks of a
flush at once, without a Python string or a Decimal per order: a fill's figures are made once per
distinct ``(instrument, ticks, lots)`` with integer arithmetic on coefficients and exponents
(:func:`fill_figures`), a requested quantity once per distinct ``(instrument, lots, exponent)``; every
other text is one of a few constants, so a text column is an
:class:`~cryptoscalp_core.storage.arrow_rows.Indexed` column (distinct texts and an index per row), and
each order's three states are its final state's indices interleaved with the two states' before it. The
ids unique to a row (client order ids, ``S{n}``, ``T{n}``) are byte matrices made digit by digit. Building
these while the engine runs is what lets the table writer overlap the write with the simulation, so
nothing here loops in Python per order or per block. Nothing here imports pyarrow (``arrow_table`` does,
for the writer); :func:`per_key` serves the run summary as well.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from cryptoscalp_core.domain import _exact
from cryptoscalp_core.domain.client_ids import MAX_LEN, client_order_id_chars
from cryptoscalp_core.domain.orders import OrderSide, OrderStatus, OrderType, TimeInForce
from cryptoscalp_core.storage.arrow_rows import Indexed, Part, Rows, Texts, texts

if TYPE_CHECKING:
    from cryptoscalp_core.engine.lane_records import LaneBlock, LaneContext

# columns of cryptoscalp_speedups.taker_lane.ORDER_COLUMNS
_SEQ, _INST, _SIGN, _LOTS, _REDUCE, _CREATED, _ACK_ID, _ACK_AT, _TRADE, _TICKS, _FILL_TS, _END = (
    0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12)
_CANCELLED = 13
Objects = npt.NDArray[np.object_]
Index = npt.NDArray[np.int64]
#: an order's statuses, indexed: pending new, new, then 2 + cancelled
_STATUSES = texts([OrderStatus.PENDING_NEW.value, OrderStatus.NEW.value, OrderStatus.FILLED.value,
                   OrderStatus.CANCELED.value])
_SIDES = texts([OrderSide.SELL.value, OrderSide.BUY.value])  # indexed by "is a buy"


def distinct_rows(keys: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.int64], Index]:
    """The distinct rows of the 2-d ``keys`` (sorted) and, for each row of ``keys``, its index among them."""
    if not len(keys):
        return np.empty((0, keys.shape[1]), dtype=np.int64), np.empty(0, dtype=np.int64)
    low = keys.min(axis=0)
    spans = keys.max(axis=0) - low + 1
    if float(np.prod(spans.astype(np.float64))) < 2.0 ** 62:  # one mixed-radix number per row: a 1-d unique
        radix = np.concatenate((np.cumprod(spans[::-1])[::-1][1:], [1]))
        codes, index = np.unique((keys - low) @ radix, return_inverse=True)
        unique = np.stack([codes // r % s for r, s in zip(radix.tolist(), spans.tolist(), strict=True)], axis=1) + low
    else:
        unique, index = np.unique(keys, axis=0, return_inverse=True)
    return unique, index.reshape(-1).astype(np.int64, copy=False)


def per_key(keys: npt.NDArray[np.int64], make: Any, width: int, convert: Any = None) -> list[Objects]:
    """For rows of ``keys``, the ``width`` values ``make(*key)`` gives (each passed through ``convert`` when
    given), made once per distinct key."""
    if not len(keys):
        return [np.empty(0, dtype=object) for _ in range(width)]
    unique, index = distinct_rows(keys)
    made = [make(*key) for key in unique.tolist()]
    return [_objects([v[k] if convert is None else convert(v[k]) for v in made])[index] for k in range(width)]


def _objects(values: list[Any]) -> Objects:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


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


#: 10**1 ... 10**19: a magnitude's digit count is one more than the number of these it reaches
_POWERS = np.array([10 ** k for k in range(1, 20)], dtype=np.uint64)
_TEN = np.uint64(10)


def _digit_counts(magnitude: npt.NDArray[np.uint64]) -> Index:
    return np.searchsorted(_POWERS, magnitude, side="right").astype(np.int64) + 1


def _write_digits(flat: npt.NDArray[np.uint8], at: Index, magnitude: npt.NDArray[np.uint64], steps: int,
                  stop: Index | None = None) -> None:
    """Write the decimal digits of ``magnitude`` into ``flat`` leftwards from ``at``, ``steps`` of them (zeros
    once a number is out of digits), stepping over position ``stop`` of each row when given."""
    rest = magnitude.copy()
    at = at.copy()
    for _ in range(steps):
        if stop is not None:
            at -= at == stop
        quotient = rest // _TEN
        digit = np.subtract(rest, quotient * _TEN, dtype=np.uint8, casting="unsafe")
        digit += ord("0")
        flat[at] = digit
        rest = quotient
        at -= 1


def int_texts(prefix: str, values: npt.NDArray[np.int64], blank: bool = False) -> Texts:
    """``f"{prefix}{v}"`` for each integer ``v`` of ``values`` (and ``""`` after them with ``blank``), made
    digit by digit with array operations."""
    head = np.frombuffer(prefix.encode("utf-8"), dtype=np.uint8)
    v = np.asarray(values, dtype=np.int64)
    n = len(v)
    negative = v < 0
    # |v| without overflow at the smallest int64: -(v + 1) fits, then the 1 is added as unsigned
    magnitude = np.where(negative, -(v + 1), v).astype(np.uint64) + negative
    digits = _digit_counts(magnitude)
    lengths = len(head) + negative + digits
    steps = int(digits.max()) if n else 0
    width = int(lengths.max()) if n else len(head)
    # the digits are written from the last one leftwards; a number out of digits writes zeros, into the
    # prefix and sign (written after) or a margin on the left
    chars = np.zeros((n + blank, steps + width), dtype=np.uint8)
    base = np.arange(n, dtype=np.int64) * (steps + width) + steps
    _write_digits(chars.reshape(-1), base + lengths - 1, magnitude, steps)
    chars[:n, steps:steps + len(head)] = head
    chars.reshape(-1)[base[negative] + len(head)] = ord("-")
    return Texts(chars[:, steps:], np.concatenate((lengths, np.zeros(int(blank), dtype=np.int64))))


def decimal_texts(negative: npt.ArrayLike, coefficient: npt.ArrayLike, exponent: npt.ArrayLike) -> Texts:
    """``str(Decimal((negative, digits of coefficient, exponent)))`` for each row: the canonical text of a
    finite decimal (``Decimal.__str__``, scientific notation included), for coefficients below 2**64."""
    sign = np.asarray(negative, dtype=np.bool_)
    magnitude = np.asarray(coefficient, dtype=np.uint64)
    e = np.asarray(exponent, dtype=np.int64)
    n = len(magnitude)
    if not n:
        return Texts(np.zeros((0, 1), dtype=np.uint8), np.zeros(0, dtype=np.int64))
    s = sign.astype(np.int64)
    digits = _digit_counts(magnitude)
    adjusted = e + digits - 1
    fixed = (e <= 0) & (adjusted >= -6)  # positional notation, else scientific (Decimal's rule)
    whole = digits + e  # positional: digits before the point
    # positional: [-]ddd[.ddd], or [-]0.000ddd when no digit is before the point; scientific: [-]d[.ddd]E±x
    body = np.where(fixed, np.where(e < 0, np.maximum(whole, 1) + 1 - e, digits), digits + (digits > 1))
    point = np.where(fixed, np.where(e < 0, s + np.maximum(whole, 1), -1), np.where(digits > 1, s + 1, -1))
    powers = np.abs(adjusted).astype(np.uint64)
    power_digits = np.where(fixed, 0, _digit_counts(powers))
    lengths = s + body + np.where(fixed, 0, 2 + power_digits)
    # the digits are written from the last one leftwards, stepping over the point; a number out of digits
    # goes on writing zeros: the "0.000" of a small number, then onto the sign (written after) or into a
    # margin on the left
    steps = int(np.where(fixed, body, digits).max())
    width = int(lengths.max())
    chars = np.zeros((n, steps + width), dtype=np.uint8)
    flat = chars.reshape(-1)
    base = np.arange(n, dtype=np.int64) * (steps + width) + steps
    stop = base + point
    _write_digits(flat, base + s + body - 1, magnitude, steps, stop)
    flat[base[sign]] = ord("-")
    flat[stop[point >= 0]] = ord(".")
    sci = np.flatnonzero(~fixed)
    if len(sci):  # "E", the exponent's sign and digits, each row its own count of them
        at = base[sci] + s[sci] + body[sci]
        flat[at] = ord("E")
        flat[at + 1] = np.where(adjusted[sci] < 0, ord("-"), ord("+")).astype(np.uint8)
        for count in np.flatnonzero(np.bincount(power_digits[sci])).tolist():
            mine = power_digits[sci] == count
            _write_digits(flat, at[mine] + 1 + count, powers[sci][mine], count)
    return Texts(chars[:, steps:], lengths)


#: products of int64 coefficients are checked against this before they are made
_LIMIT = 2 ** 63 - 1


class _UnfitError(Exception):
    """A figure the integer path cannot make exactly (a coefficient past int64, a zero quantity): the
    Decimal path makes the flush's figures instead."""


def _components(value: Decimal) -> tuple[bool, int, int]:
    sign, digits, exponent = value.as_tuple()
    if not isinstance(exponent, int) or len(digits) > 18:  # not finite, or possibly past int64
        raise _UnfitError
    return bool(sign), int("".join(map(str, digits))), exponent


def _times(a: Index, b: Index) -> Index:
    """``a * b`` for int64 arrays ``b >= 0``, refused (:class:`_UnfitError`) where ``a`` is negative (``abs``
    of the smallest int64) or the product would overflow."""
    if not ((a >= 0) & ((b == 0) | (a <= _LIMIT // np.maximum(b, 1)))).all():
        raise _UnfitError
    return a * b


def _plain(negative: npt.NDArray[np.bool_], coefficient: Index, exponent: Index
           ) -> tuple[npt.NDArray[np.bool_], Index, Index]:
    """:func:`cryptoscalp_core.domain._exact.plain` of exact values: trailing zeros dropped, a positive
    exponent multiplied out, zero as ``Decimal(0)``."""
    zero = coefficient == 0
    while True:
        strip = ~zero & (exponent < 0) & (coefficient % 10 == 0)
        if not strip.any():
            break
        coefficient = np.where(strip, coefficient // 10, coefficient)
        exponent = exponent + strip
    up = np.flatnonzero(~zero & (exponent > 0))
    if len(up):
        if exponent[up].max() > 18:
            raise _UnfitError
        coefficient = coefficient.copy()
        coefficient[up] = _times(coefficient[up], 10 ** exponent[up])
    return negative & ~zero, coefficient, np.where(zero | (exponent > 0), 0, exponent)


def fill_figures(ctx: LaneContext, keys: npt.NDArray[np.int64]) -> list[Texts]:
    """For distinct fills ``keys`` (rows of instrument, ticks, lots), the texts of (filled qty, avg price,
    fees, notional, fill price, fill qty, fill fee) that :meth:`LaneContext.filled`, ``price``, ``qty`` and
    ``fee`` give, each column followed by ``"0"`` (an unfilled order's figures).

    Made with integer arithmetic on coefficients and exponents where it is exact, which is the rule for
    lane fills; otherwise (or should the first fill's texts differ from the context's) with Decimals.
    ``price`` is ``plain(tick_size * ticks)`` and ``qty`` ``plain(lot_size * lots)``, so both have an
    exponent of at most 0; an exact sum keeps the smaller exponent, so ``0 + qty`` is ``qty`` itself and
    ``0 + price * qty`` is the product (``+0`` for a zero); the average price, ``notional / filled qty``,
    is exact at the ideal exponent, the price's (a zero price divided keeps the quantity's sign); the fee
    is the exact product ``price * qty * account.fee(1, 1)`` (a notional times a rate) and the order's
    fees ``0 + fee``."""
    try:
        got = _figures(ctx, keys)
    except _UnfitError:
        return _figures_of_decimals(ctx, keys)
    check = _figures_of_decimals(ctx, keys[:1])
    if len(keys) and any(_text(a, 0) != _text(b, 0) for a, b in zip(got, check, strict=True)):
        return _figures_of_decimals(ctx, keys)
    return got


def _text(texts: Texts, row: int) -> bytes:
    return bytes(texts.chars[row, :texts.lengths[row]])


def _figures(ctx: LaneContext, keys: npt.NDArray[np.int64]) -> list[Texts]:
    def per_instrument(values: list[Decimal]) -> Index:
        return np.array([_components(v) for v in values], dtype=np.int64).reshape(-1, 3)[keys[:, 0]]

    tick = per_instrument([i.tick_size for i in ctx.instruments])
    lot = per_instrument([i.lot_size for i in ctx.instruments])
    rate = per_instrument([ctx.account.fee(i, _exact.ONE, _exact.ONE, False) for i in range(len(ctx.instruments))])
    ticks, lots = keys[:, 1], keys[:, 2]
    sp, cp, ep = _plain((ticks < 0) ^ (tick[:, 0] != 0), _times(np.abs(ticks), tick[:, 1]), tick[:, 2])
    sq, cq, eq = _plain((lots < 0) ^ (lot[:, 0] != 0), _times(np.abs(lots), lot[:, 1]), lot[:, 2])
    if (cq == 0).any():
        raise _UnfitError  # the Decimal path's average price divides by zero
    cn = _times(cp, cq)
    cf = _times(cn, rate[:, 1])
    sf = sp ^ sq ^ (rate[:, 0] != 0)
    ef = ep + eq + rate[:, 2]
    # 0 + fee: the exponent at most 0 (a positive one multiplied out), a zero unsigned
    cfs = cf.copy()
    up = np.flatnonzero((cf != 0) & (ef > 0))
    if len(up):
        if ef[up].max() > 18:
            raise _UnfitError
        cfs[up] = _times(cf[up], 10 ** ef[up])
    columns = [(sq, cq, eq), (np.where(cp != 0, sp, sq), cp, ep), (sf & (cf != 0), cfs, np.minimum(ef, 0)),
               ((sp ^ sq) & (cn != 0), cn, ep + eq), (sp, cp, ep), (sf, cf, ef)]
    # one call for all: each column's texts then "0"
    zero = np.zeros(1, dtype=np.int64)
    made = decimal_texts(*(np.concatenate([np.concatenate((c[k], zero)) for c in columns]) for k in range(3)))
    size = len(keys) + 1
    got = [Texts(made.chars[k * size:(k + 1) * size], made.lengths[k * size:(k + 1) * size])
           for k in range(len(columns))]
    return [got[0], got[1], got[2], got[3], got[4], got[0], got[5]]


def _figures_of_decimals(ctx: LaneContext, keys: npt.NDArray[np.int64]) -> list[Texts]:
    made = [(*ctx.filled(i, t, q), ctx.price(i, t), ctx.qty(i, q), ctx.fee(i, t, q)) for i, t, q in keys.tolist()]
    return [texts([str(v[k]) for v in made] + ["0"]) for k in range(7)]


def _requested(blocks: Sequence[LaneBlock], o: npt.NDArray[np.int64]) -> tuple[Texts, Index]:
    """The text of each order's requested quantity, as :meth:`LaneBlock.request_qtys` computes it, as
    distinct texts and an index per order (``o`` holds the blocks' orders one after the other).

    There, ``abs(lot_size * target_lots - position)`` with the position on the lot grid (``qty_to_lots``
    refuses anything else) has the value ``lots * lot_size``; its exponent is the smaller of the lot
    size's and the position's, and the position's is the smallest of its block's start's and of every
    fill of its block added to it before (exact sums keep the smallest exponent of their terms)."""
    ctx = blocks[0].context
    inst, lots, filled = o[:, _INST], o[:, _LOTS], o[:, _CANCELLED] == 0
    block = np.repeat(np.arange(len(blocks)), [len(b) for b in blocks])
    exponent = np.zeros(len(o), dtype=np.int64)
    # (np.unique without an index imports numpy.ma, ~50 ms, to check for a masked array)
    for i in np.flatnonzero(np.bincount(inst)).tolist():
        mine = np.flatnonzero(inst == i)
        sizes, which = np.unique(lots[mine], return_inverse=True)
        size = np.array([_exponent(ctx.qty(i, n)) for n in sizes.tolist()], dtype=np.int64)[which.reshape(-1)]
        segment = block[mine]
        first = np.ones(len(mine), dtype=bool)
        first[1:] = segment[1:] != segment[:-1]
        # step r of a block's walk: its start's exponent at the block's first order, else the fill before
        # (a cancelled order adds nothing: its block's start stands in, which never lowers the minimum)
        step = np.array([_exponent(b.start[i]) for b in blocks], dtype=np.int64)[segment]
        added = ~first[1:] & filled[mine[:-1]]
        step[1:][added] = size[:-1][added]
        # a running minimum that restarts at each block: steps ranked, then each block's ranks shifted
        # below every earlier block's, so an earlier block never wins a later one's minimum
        ranks, rank = np.unique(step, return_inverse=True)
        shift = len(ranks) * (np.cumsum(first) - 1)
        before = ranks[np.minimum.accumulate(rank.reshape(-1) - shift) + shift]
        exponent[mine] = np.minimum(before, _exponent(ctx.instruments[i].lot_size))
    unique, index = distinct_rows(np.stack([inst, lots, exponent], axis=1))
    made = [str(_exact.mul(ctx.instruments[i].lot_size, Decimal(n)).quantize(Decimal((0, (1,), e)),
                                                                              context=_exact.EXACT))
            for i, n, e in unique.tolist()]
    return texts(made), index


def lane_columns(block: LaneBlock, run_id: str) -> tuple[Part, Part, Part]:
    """The ``orders``, ``order_states`` and ``fills`` rows of ``block``, in order, as parts for
    :func:`~cryptoscalp_core.storage.arrow_rows.arrow_table`."""
    return lane_parts([block], run_id)[0]


def lane_parts(blocks: Sequence[LaneBlock], run_id: str) -> list[tuple[Part, Part, Part]]:
    """For each block, its ``orders``, ``order_states`` and ``fills`` rows as parts for
    :func:`~cryptoscalp_core.storage.arrow_rows.arrow_table`: ranges of the columns of all the blocks that
    share a context and a prefix, built together."""
    groups: dict[tuple[int, str], list[int]] = {}
    for k, block in enumerate(blocks):
        groups.setdefault((id(block.context), block.prefix), []).append(k)
    out: dict[int, tuple[Part, Part, Part]] = {}
    for members in groups.values():
        out.update(zip(members, _group_parts([blocks[k] for k in members], run_id), strict=True))
    return [out[k] for k in range(len(blocks))]


def _group_parts(blocks: Sequence[LaneBlock], run_id: str) -> list[tuple[Part, Part, Part]]:
    ctx, prefix = blocks[0].context, blocks[0].prefix
    o = blocks[0].orders if len(blocks) == 1 else np.concatenate([b.orders for b in blocks])
    n = len(o)
    rows = np.arange(n, dtype=np.int64)
    cancelled = o[:, _CANCELLED] != 0
    done = np.flatnonzero(~cancelled)  # the orders with a fill
    inst = o[:, _INST]
    cids = Texts(client_order_id_chars(prefix, o[:, _SEQ]), np.full(n, MAX_LEN, dtype=np.int64))
    vids = int_texts("S", o[:, _ACK_ID], blank=True)  # and "", the venue id of a pending order
    ids = [i.id for i in ctx.instruments]
    sides = (o[:, _SIGN] > 0).astype(np.int64)
    # one text per distinct fill: (filled qty, avg price, fees, notional, fill price, fill qty, fill fee),
    # then "0", an unfilled order's figures
    unique, which = distinct_rows(o[done][:, [_INST, _TICKS, _LOTS]])
    figures = fill_figures(ctx, unique)
    final = np.full(n, len(unique), dtype=np.int64)
    final[done] = which
    status = 2 + cancelled.astype(np.int64)
    requested = _requested(blocks, o)
    end_at = o[:, _END]
    orders = {"run_id": run_id, "client_order_id": cids, "instrument_id": Indexed(ids, inst),
              "side": Indexed(_SIDES, sides), "order_type": OrderType.MARKET.value, "qty": Indexed(*requested),
              "price": None, "time_in_force": TimeInForce.IOC.value, "reduce_only": o[:, _REDUCE] != 0,
              "ts_created": o[:, _CREATED], "status": Indexed(_STATUSES, status),
              "filled_qty": Indexed(figures[0], final), "avg_fill_price": Indexed(figures[1], final),
              "fees": Indexed(figures[2], final), "venue_order_id": Indexed(vids, rows), "reason": "",
              "status_before_cancel": None, "ts_updated": end_at, "filled_notional": Indexed(figures[3], final)}
    # each order's states, in the order the general path stores them: pending, new, filled or cancelled
    blank = _interleave(len(unique), len(unique), final)
    states = {"run_id": run_id, "client_order_id": Indexed(cids, np.repeat(rows, 3)),
              "status": Indexed(_STATUSES, _interleave(0, 1, status)),
              "venue_order_id": Indexed(vids, _interleave(n, rows, rows)),
              "reason": "", "status_before_cancel": None, "ts_updated": _interleave(0, o[:, _ACK_AT], end_at),
              **{key: Indexed(figures[k], blank)
                 for k, key in enumerate(("filled_qty", "avg_fill_price", "fees", "filled_notional"))}}
    fills = {"run_id": run_id, "client_order_id": Indexed(cids, done), "instrument_id": Indexed(ids, inst[done]),
             "side": Indexed(_SIDES, sides[done]), "price": Indexed(figures[4], which),
             "qty": Indexed(figures[5], which), "fee": Indexed(figures[6], which),
             "fee_asset": Indexed([i.quote for i in ctx.instruments], inst[done]),
             "is_maker": False, "trade_id": int_texts("T", o[done, _TRADE]), "venue_order_id": Indexed(vids, done),
             "ts_event": o[done, _FILL_TS], "ts_recv": end_at[done]}
    bounds = np.cumsum([0] + [len(b) for b in blocks]).tolist()
    filled_bounds = np.searchsorted(done, bounds).tolist()
    sources: tuple[Part, Part, Part] = ((orders, n), (states, 3 * n), (fills, len(done)))
    return [((Rows(sources[0], a, b), b - a), (Rows(sources[1], 3 * a, 3 * b), 3 * (b - a)),
             (Rows(sources[2], fa, fb), fb - fa))
            for a, b, fa, fb in zip(bounds, bounds[1:], filled_bounds, filled_bounds[1:], strict=False)]
