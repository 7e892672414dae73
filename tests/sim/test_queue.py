"""Queue position of resting limit orders under both models, on hand-built scenarios.

Every expected number is derived in the comments. Book prices are ticks of 0.1 (1000 = 100.0); our
orders are bids at 100.0 unless said otherwise; ``ahead`` is the quantity estimated in front of us.
"""

from __future__ import annotations

import math
from decimal import Decimal

import pytest

from cryptoscalp_core.domain.orders import OrderSide, OrderStatus, TimeInForce
from cryptoscalp_core.sim.queue import LiveOrder, ProbQueue
from cryptoscalp_core.sim.venue import SimVenue
from tests.sim.simkit import BUY, SELL, deltas, filled, fills_of, last_order, limit, quotes, snapshot, trades, venue

MODELS = ["risk-averse", "prob-queue"]


def resting(model: str, level: float, qty: str = "1", power: float = 2.0) -> tuple[SimVenue, str]:
    sim = venue(queue_model=model, queue_power=power)
    sim.process(snapshot(1, [(1000, level)] if level else [(999, 1.0)], [(1010, 1.0)]))
    request = limit(OrderSide.BUY, "100.0", qty)
    sim.submit(request, 2)
    sim.advance_to(2)
    return sim, request.client_order_id


def ahead(sim: SimVenue, cid: str) -> float:
    return sim._live[cid].ahead


@pytest.mark.parametrize("model", MODELS)
def test_trades_consume_the_queue_then_fill(model: str) -> None:
    # 5 ahead; sells of 3 then 2 at our price empty the queue (5 - 3 - 2 = 0), the next 1 fills us: 1
    sim, cid = resting(model, 5.0)
    sim.process(trades((3, SELL, 100.0, 3.0), (4, SELL, 100.0, 2.0)))
    assert ahead(sim, cid) == 0 and not fills_of(sim.drain(10))
    sim.process(trades((5, SELL, 100.0, 1.0)))
    reports = sim.drain(10)
    assert filled(reports) == 1 and reports[-1].status is OrderStatus.FILLED
    assert fills_of(reports)[0].is_maker and fills_of(reports)[0].price == Decimal("100.0")


@pytest.mark.parametrize("model", MODELS)
def test_partial_fills_from_the_excess_of_a_trade(model: str) -> None:
    # 5 ahead, order of 2: a trade of 6 leaves 6 - 5 = 1 for us (partial), a trade of 3 fills the other 1
    sim, cid = resting(model, 5.0, qty="2")
    sim.process(trades((3, SELL, 100.0, 6.0)))
    assert last_order(sim.drain(10), cid).status is OrderStatus.PARTIALLY_FILLED
    sim.process(trades((4, SELL, 100.0, 3.0)))
    reports = sim.drain(10)
    assert filled(reports) == 1 and last_order(reports, cid).status is OrderStatus.FILLED


@pytest.mark.parametrize("model", MODELS)
def test_buyer_initiated_trades_at_our_bid_do_not_move_us(model: str) -> None:
    # a buyer lifting an offer at 100.0 took sell-side liquidity: our bid queue is untouched
    sim, cid = resting(model, 5.0)
    sim.process(trades((3, BUY, 100.0, 50.0)))
    assert ahead(sim, cid) == 5.0 and not fills_of(sim.drain(10))


@pytest.mark.parametrize("model", MODELS)
def test_trade_through_fills_everything_at_our_price(model: str) -> None:
    # 5 ahead, but a sell prints at 99.9 < 100.0: the whole level traded, us included, at 100.0
    sim, _cid = resting(model, 5.0, qty="3")
    sim.process(trades((3, SELL, 99.9, 0.001)))
    (execution,) = fills_of(sim.drain(10))
    assert (execution.qty, execution.price, execution.is_maker) == (3, Decimal("100.0"), True)


@pytest.mark.parametrize("model", MODELS)
def test_opposite_book_reaching_our_price_fills(model: str) -> None:
    sim, _cid = resting(model, 5.0)
    sim.process(deltas((3, SELL, 1001, 2.0)))  # an ask above us: nothing
    assert not fills_of(sim.drain(10))
    sim.process(deltas((4, SELL, 1000, 2.0)))  # an ask at our bid: we were taken
    assert filled(sim.drain(10)) == 1


@pytest.mark.parametrize("model", MODELS)
def test_order_inside_the_spread_is_first_in_line(model: str) -> None:
    # nothing visible at 100.0 (best bid 99.9): ahead 0, the first sell at 100.0 fills us
    sim, cid = resting(model, 0.0)
    assert ahead(sim, cid) == 0
    sim.process(trades((3, SELL, 100.0, 0.5)))
    assert filled(sim.drain(10)) == Decimal("0.5")


def test_cancellations_risk_averse_vs_prob_queue() -> None:
    # We join 10 (ahead 10); 10 more join behind (level 20); then 6 cancel (level 14).
    #   risk-averse: all 6 behind us -> ahead min(10, 14) = 10
    #   prob-queue, f(x)=x^2: ahead 10, behind 10 -> front share 100/200 = 0.5 -> 3 in front -> ahead 7
    # Then sells at 100.0 of 7, then 1:
    #   prob-queue: 7 empties the queue, the 1 fills us (order of 1)
    #   risk-averse: 7 -> ahead 3, 1 -> ahead 2: no fill; a further 3 -> ahead -1: fills 1
    sims = {m: resting(m, 10.0) for m in MODELS}
    for sim, _ in sims.values():
        sim.process(deltas((3, BUY, 1000, 20.0), (4, BUY, 1000, 14.0)))
    assert ahead(*sims["risk-averse"]) == 10
    assert ahead(*sims["prob-queue"]) == pytest.approx(7)
    for sim, _ in sims.values():
        sim.process(trades((5, SELL, 100.0, 7.0), (6, SELL, 100.0, 1.0)))
    assert filled(sims["prob-queue"][0].drain(10)) == 1
    risk, cid = sims["risk-averse"]
    assert not fills_of(risk.drain(10)) and ahead(risk, cid) == 2
    risk.process(trades((7, SELL, 100.0, 3.0)))
    assert filled(risk.drain(10)) == 1


@pytest.mark.parametrize(("power", "expected"), [(1.0, 8.0), (2.0, 7.6), (3.0, 10 - 3 * 1000 / 1125)])
def test_prob_queue_power(power: float, expected: float) -> None:
    # ahead 10, behind 5 (level 10 -> 15), 3 cancel (15 -> 12): front share f(10) / (f(10) + f(5))
    #   n=1: 10/15 -> 2 in front -> 8;  n=2: 100/125 = 0.8 -> 2.4 -> 7.6;  n=3: 1000/1125 -> 10 - 2.667
    sim, cid = resting("prob-queue", 10.0, power=power)
    sim.process(deltas((3, BUY, 1000, 15.0), (4, BUY, 1000, 12.0)))
    assert ahead(sim, cid) == pytest.approx(expected)


@pytest.mark.parametrize("model", MODELS)
def test_decrease_explained_by_trades_is_not_counted_twice(model: str) -> None:
    # level 10 (ahead 10), 5 join behind (15); a sell of 4 at our price -> ahead 6, then the book
    # shows 15 -> 8: 7 gone, 4 of them the trade, so only 3 cancelled.
    #   risk-averse: ahead stays 6 (min(6, 8))
    #   prob-queue: ahead 6, behind 15 - 4 - 6 = 5, share 36/61 -> 3 * 36/61 = 1.7705 in front -> 4.2295
    expected = {"risk-averse": 6.0, "prob-queue": 6 - 3 * 36 / 61}
    sim, cid = resting(model, 10.0)
    sim.process(deltas((3, BUY, 1000, 15.0)))
    sim.process(trades((4, SELL, 100.0, 4.0)))
    sim.process(deltas((5, BUY, 1000, 8.0)))
    assert ahead(sim, cid) == pytest.approx(expected[model])


def test_prob_queue_overflow_goes_to_the_front() -> None:
    # ahead 1, behind 3, 3.5 cancelled: share to the back 3.5 * 9/10 = 3.15 > 3 behind, so the extra
    # 0.15 was in front too: front 0.35 + 0.15 = 0.5 -> ahead 0.5 (and the level of 0.5 is just us-ahead)
    order = LiveOrder(limit(OrderSide.BUY, "100.0", "1"), 0, 1, 1000, 1000, 0, TimeInForce.GTC, False, ahead=1.0)
    ProbQueue(2.0).on_level_change(order, 4.0, 0.5)
    assert order.ahead == pytest.approx(0.5)


@pytest.mark.parametrize("model", MODELS)
def test_level_shrinking_below_ahead_caps_it(model: str) -> None:
    # 10 ahead and the level falls to 4: at most 4 can be in front of us, whatever the model
    sim, cid = resting(model, 10.0)
    sim.process(deltas((3, BUY, 1000, 4.0)))
    assert ahead(sim, cid) == 4


@pytest.mark.parametrize("model", MODELS)
def test_queue_position_is_taken_at_arrival_not_at_send(model: str) -> None:
    # sent at 2 ms with 5 ms latency: the level grew from 5 to 9 at 4 ms, before our arrival at 7 ms
    sim = venue(queue_model=model, latency={"kind": "constant", "ms": 5})
    sim.process(snapshot(1, [(1000, 5.0)], [(1010, 1.0)]))
    request = limit(OrderSide.BUY, "100.0", "1")
    sim.submit(request, 2_000_000)
    sim.process(deltas((4_000_000, BUY, 1000, 9.0), (8_000_000, BUY, 1000, 12.0)))
    assert ahead(sim, request.client_order_id) == 9


@pytest.mark.parametrize("model", MODELS)
def test_quote_mode_queue(model: str) -> None:
    # top of book only: bid 100.0 x 5 -> ahead 5; the bid shrinks to 3 -> ahead <= 3 in both models;
    # the best bid drops to 99.9: nobody is left at 100.0 -> ahead 0; a sell at 100.0 then fills us.
    sim = venue(queue_model=model)
    sim.process(quotes((1, 100.0, 5.0, 100.5, 1.0)))
    request = limit(OrderSide.BUY, "100.0", "1")
    sim.submit(request, 2)
    sim.process(quotes((3, 100.0, 5.0, 100.5, 1.0)))
    cid = request.client_order_id
    assert ahead(sim, cid) == 5
    sim.process(quotes((4, 100.0, 3.0, 100.5, 1.0)))
    assert ahead(sim, cid) == 3
    sim.process(quotes((5, 99.9, 7.0, 100.5, 1.0)))
    assert ahead(sim, cid) == 0
    sim.process(trades((6, SELL, 100.0, 1.0)))
    assert filled(sim.drain(10)) == 1


def test_quote_mode_hidden_level_is_unknown_until_visible() -> None:
    # bid below the best (99.0 under a 100.0 best): queue unknown (inf), at-price trades cannot fill it;
    # once the best falls to 99.0 x 2 the level is visible: ahead min(inf, 2) = 2
    sim = venue(queue_model="risk-averse")
    sim.process(quotes((1, 100.0, 5.0, 100.5, 1.0)))
    request = limit(OrderSide.BUY, "99.0", "1")
    sim.submit(request, 2)
    sim.process(trades((3, SELL, 99.0, 10.0)))
    cid = request.client_order_id
    assert math.isinf(ahead(sim, cid)) and not fills_of(sim.drain(10))
    sim.process(quotes((4, 99.0, 2.0, 99.5, 1.0)))
    assert ahead(sim, cid) == 2
