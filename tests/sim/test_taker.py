"""Taker orders: the book walk against a naive reference, each time in force, and no look-ahead.

The reference walk is the textbook one: sort the opposite side best first, take ``min(left, level)``
lot by lot until the order or the limit is exhausted. Prices are in ticks of 0.1, sizes in lots of 0.001.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from cryptoscalp_core.domain.orders import OrderSide, OrderStatus, TimeInForce
from tests.sim.simkit import (
    BUY,
    MS,
    SELL,
    deltas,
    filled,
    fills_of,
    last_order,
    limit,
    market,
    quotes,
    snapshot,
    trades,
    venue,
)

LOT = Decimal("0.001")


def reference_walk(levels: dict[int, int], side: OrderSide, lots: int,
                   limit_ticks: int | None) -> list[tuple[int, int]]:
    """(price ticks, lots) taken from ``levels`` (the opposite side, in lots) by an order of ``lots``."""
    prices = sorted(levels, reverse=side is OrderSide.SELL)
    out: list[tuple[int, int]] = []
    left = lots
    for p in prices:
        if limit_ticks is not None and (p > limit_ticks if side is OrderSide.BUY else p < limit_ticks):
            break
        take = min(left, levels[p])
        if take:
            out.append((p, take))
            left -= take
        if not left:
            break
    return out


BOOK_SIDE = st.dictionaries(st.integers(1, 40), st.integers(1, 5000), max_size=8)


@settings(max_examples=200, deadline=None)
@given(bids=BOOK_SIDE, asks=BOOK_SIDE, side=st.sampled_from(list(OrderSide)), lots=st.integers(1, 12000),
       limit_offset=st.one_of(st.none(), st.integers(-5, 45)), tif=st.sampled_from([TimeInForce.IOC, TimeInForce.FOK,
                                                                                     TimeInForce.GTC]))
def test_walk_matches_reference(bids: dict[int, int], asks: dict[int, int], side: OrderSide, lots: int,
                                limit_offset: int | None, tif: TimeInForce) -> None:
    # bids at 1000 - k, asks at 1000 + k: never crossed
    bid_book = {1000 - k: n for k, n in bids.items()}
    ask_book = {1000 + k: n for k, n in asks.items()}
    sim = venue()
    sim.process(snapshot(1, [(p, n / 1000) for p, n in bid_book.items()] or [(1, 0.0)],
                         [(p, n / 1000) for p, n in ask_book.items()] or [(5000, 0.0)]))
    limit_ticks = None if limit_offset is None else (1000 + limit_offset if side is OrderSide.BUY
                                                     else 1000 - limit_offset)
    qty = str(LOT * lots)
    request = (market(side, qty, tif) if limit_ticks is None
               else limit(side, str(Decimal(limit_ticks) / 10), qty, tif))
    sim.submit(request, 2)
    sim.advance_to(10)
    reports = sim.drain(10)
    expected = reference_walk(ask_book if side is OrderSide.BUY else bid_book, side, lots, limit_ticks)
    taken = sum(n for _, n in expected)
    if tif is TimeInForce.FOK and taken < lots:
        expected, taken = [], 0
    got = [(int(f.price * 10), int(f.qty / LOT)) for f in fills_of(reports)]
    assert got == expected
    assert all(not f.is_maker for f in fills_of(reports))
    final = last_order(reports, request.client_order_id)
    assert final.filled_qty == LOT * taken
    if taken:  # the order's average price is the VWAP of its fills
        vwap = sum(Decimal(p) / 10 * n for p, n in expected) / taken
        assert abs(final.avg_fill_price - vwap) < Decimal("1e-20")
    if taken == lots:
        assert final.status is OrderStatus.FILLED
    elif limit_ticks is not None and tif is TimeInForce.GTC:
        assert final.status in (OrderStatus.NEW, OrderStatus.PARTIALLY_FILLED)  # the rest rests
        assert request.client_order_id in sim.open_orders
    else:
        assert final.status is OrderStatus.EXPIRED


def test_post_only_rejected_if_it_would_cross_and_rests_otherwise() -> None:
    sim = venue()
    sim.process(snapshot(1, [(1000, 1.0)], [(1001, 1.0)]))
    crossing = limit(OrderSide.BUY, "100.1", "0.5", TimeInForce.POST_ONLY)
    passive = limit(OrderSide.BUY, "100.0", "0.5", TimeInForce.POST_ONLY)
    sim.submit(crossing, 2)
    sim.submit(passive, 2)
    sim.advance_to(3)
    reports = sim.drain(3)
    assert last_order(reports, crossing.client_order_id).status is OrderStatus.REJECTED
    assert last_order(reports, crossing.client_order_id).reason == "post_only_would_cross"
    assert last_order(reports, passive.client_order_id).status is OrderStatus.NEW
    assert not fills_of(reports)
    assert sim.stats.rejections == {"post_only_would_cross": 1}


def test_market_order_without_enough_liquidity_expires_the_rest() -> None:
    sim = venue()
    sim.process(snapshot(1, [(1000, 1.0)], [(1001, 1.0), (1003, 0.5)]))
    request = market(OrderSide.BUY, "2")
    sim.submit(request, 2)
    sim.advance_to(3)
    reports = sim.drain(3)
    assert [(f.price, f.qty) for f in fills_of(reports)] == [(Decimal("100.1"), 1), (Decimal("100.3"), Decimal("0.5"))]
    final = last_order(reports, request.client_order_id)
    assert (final.status, final.reason, final.filled_qty) == (OrderStatus.EXPIRED, "no_liquidity", Decimal("1.5"))


def test_quote_mode_walks_the_top_of_book() -> None:
    sim = venue()
    sim.process(quotes((1, 100.0, 2.0, 100.2, 0.7)))
    request = market(OrderSide.BUY, "1", TimeInForce.IOC)
    sim.submit(request, 2)
    sim.advance_to(3)
    reports = sim.drain(3)
    assert [(f.price, f.qty) for f in fills_of(reports)] == [(Decimal("100.2"), Decimal("0.7"))]
    assert last_order(reports, request.client_order_id).status is OrderStatus.EXPIRED


def test_trade_only_mode_market_fills_at_next_trade_after_arrival() -> None:
    sim = venue(latency={"kind": "constant", "ms": 5})
    sim.process(trades((0, BUY, 100.0, 1.0)))
    request = market(OrderSide.SELL, "3")
    sim.submit(request, 1 * MS)  # arrives at 6 ms
    sim.process(trades((2 * MS, BUY, 100.5, 0.1), (6 * MS - 1, SELL, 100.7, 0.1), (6 * MS, BUY, 100.3, 0.2),
                       (7 * MS, SELL, 99.0, 1.0)))
    reports = sim.drain(20 * MS)
    (execution,) = fills_of(reports)
    # the first trade at or after the arrival, whatever its size, fills the whole order
    assert (execution.price, execution.qty, execution.ts_event, execution.is_maker) == (
        Decimal("100.3"), Decimal(3), 6 * MS, False)
    assert execution.ts_recv == 11 * MS  # + 5 ms response latency


def test_trade_only_mode_limits() -> None:
    sim = venue()
    sim.process(trades((1, BUY, 100.0, 1.0)))
    through = limit(OrderSide.BUY, "100.5", "1")  # above the last trade: takes the next trade at or below it
    resting = limit(OrderSide.BUY, "99.5", "1")  # below: rests, fills on a trade strictly below 99.5
    ioc = limit(OrderSide.BUY, "99.0", "1", TimeInForce.IOC)
    for r in (through, resting, ioc):
        sim.submit(r, 2)
    sim.process(trades((3, SELL, 100.2, 0.1), (4, SELL, 99.5, 5.0), (5, SELL, 99.4, 0.1)))
    reports = sim.drain(10)
    assert [(f.client_order_id, f.price, f.is_maker) for f in fills_of(reports)] == [
        (through.client_order_id, Decimal("100.2"), False),
        (resting.client_order_id, Decimal("99.5"), True),  # at 99.4, through its price; not at 99.5
    ]
    assert last_order(reports, ioc.client_order_id).status is OrderStatus.EXPIRED


MOVES = st.lists(st.tuples(st.integers(1, 3 * MS), st.sampled_from([BUY, SELL]), st.integers(990, 1010),
                           st.sampled_from([0.0, 0.5, 2.0])), min_size=1, max_size=40)


@settings(max_examples=150, deadline=None)
@given(moves=MOVES, send=st.integers(0, 60 * MS), latency_ms=st.integers(0, 20),
       side=st.sampled_from(list(OrderSide)))
def test_no_look_ahead(moves: list[tuple[int, int, int, float]], send: int, latency_ms: int, side: OrderSide) -> None:
    """A market order fills against the book as it was just before its arrival, never later rows."""
    rows, ts = [], 0
    for gap, s, p, q in moves:
        ts += gap
        rows.append((ts, s, p, q))
    sim = venue(latency={"kind": "constant", "ms": latency_ms})
    sim.process(snapshot(0, [(980, 100.0)], [(1020, 100.0)]))
    sim.submit(market(side, "1"), send)
    sim.process(deltas(*rows))
    sim.advance_to(10**12)
    arrival = send + latency_ms * MS
    books: dict[int, dict[int, float]] = {BUY: {980: 100.0}, SELL: {1020: 100.0}}
    for t, s, p, q in rows:
        if t >= arrival:
            break
        if q:
            books[s][p] = q
        else:
            books[s].pop(p, None)
    opposite = books[SELL if side is OrderSide.BUY else BUY]
    expected = reference_walk({p: round(q * 1000) for p, q in opposite.items()}, side, 1000, None)
    reports = sim.drain(10**12)
    assert [(int(f.price * 10), int(f.qty / LOT)) for f in fills_of(reports)] == expected
    assert all(f.ts_event >= arrival for f in fills_of(reports))
    assert filled(reports) == 1


TRADES = st.lists(st.tuples(st.integers(1, 3 * MS), st.sampled_from([BUY, SELL]), st.integers(990, 1010)),
                  min_size=1, max_size=40)


@settings(max_examples=150, deadline=None)
@given(prints=TRADES, send=st.integers(0, 60 * MS), latency_ms=st.integers(0, 20), price=st.integers(990, 1010))
def test_no_look_ahead_for_resting_orders(prints: list[tuple[int, int, int]], send: int, latency_ms: int,
                                          price: int) -> None:
    """Trade-only mode, a GTC bid: the trades before its arrival only tell it whether it is marketable
    (above the last trade: it takes the first trade after arrival if that one is at or below its price);
    otherwise it fills, at its price, on the first later trade strictly through its price."""
    rows, ts = [], 0
    for gap, side, p in prints:
        ts += gap
        rows.append((ts, side, p / 10, 1.0))
    sim = venue(latency={"kind": "constant", "ms": latency_ms})
    sim.process(trades((0, BUY, 102.0, 1.0)))
    request = limit(OrderSide.BUY, str(Decimal(price) / 10), "1")
    sim.submit(request, send)
    sim.process(trades(*rows))
    arrival = send + latency_ms * MS
    last = ([1020] + [round(p * 10) for t, _, p, _ in rows if t < arrival])[-1]
    after = [(t, round(p * 10)) for t, _, p, _ in rows if t >= arrival]
    expected: list[tuple[int, Decimal]] = []
    if price > last and after and after[0][1] <= price:
        expected = [(after[0][0], Decimal(after[0][1]) / 10)]  # taker, at the trade's price
    else:
        if price > last:
            after = after[1:]  # the first trade did not reach the bid: from then on it rests
        through = [t for t, p in after if p < price]
        expected = [(through[0], Decimal(price) / 10)] if through else []
    got = fills_of(sim.drain(10**12))
    assert [(f.ts_event, f.price) for f in got] == expected
