"""``check_fast`` (the risk stack's entry) decides as ``check``, and the duplicate memory finds a repeat
exactly where a dict of the full keys (Decimals compared by value) would."""

from __future__ import annotations

from decimal import Decimal

from cryptoscalp_risk_order_sanity.config import OrderSanityConfig
from cryptoscalp_risk_order_sanity.layer import OrderSanityLayer
from hypothesis import given, settings
from hypothesis import strategies as st

from cryptoscalp_core.domain.orders import OrderRequest, OrderSide, OrderType
from cryptoscalp_core.ports.risk import IntentView, PortfolioState, RiskAction
from cryptoscalp_core.testing.conformance import sample_instruments, scenarios

INSTRUMENTS = sample_instruments()
NAN = Decimal("NaN")
configs = st.builds(
    OrderSanityConfig,
    price_band_bps=st.integers(1, 50_000).map(Decimal),
    reference=st.sampled_from(["mid", "mark", "mid_or_mark"]),
    max_qty=st.none() | st.integers(1, 10**7).map(lambda n: Decimal(n).scaleb(-3)),
    max_notional=st.none() | st.integers(1, 10**9).map(lambda n: Decimal(n).scaleb(-2)),
    resize=st.booleans(),
)


@settings(max_examples=300, deadline=None)
@given(configs, scenarios(INSTRUMENTS))
def test_fast_check_matches_check(cfg: OrderSanityConfig, scenario: tuple[OrderRequest, PortfolioState]) -> None:
    intent, pf = scenario
    fast, plain = OrderSanityLayer(cfg, instruments=INSTRUMENTS), OrderSanityLayer(cfg, instruments=INSTRUMENTS)
    got, want = fast.check_fast(intent, pf, IntentView.of(intent, pf)), plain.check(intent, pf)
    assert (got.action, got.reason, got.qty) == (want.action, want.reason, want.qty)
    assert got.detail == want.detail or got.action is RiskAction.RESIZE
    assert dict(fast.metrics) == dict(plain.metrics)


step = st.tuples(st.sampled_from(["0.010", "0.01", "0.0100", "0.011"]), st.sampled_from(["60000.0", "60000", "60000.1",
                                                                                        None, "nan"]),
                 st.sampled_from(list(OrderSide)), st.sampled_from("abc"), st.integers(-2, 5))


@settings(max_examples=300, deadline=None)
@given(st.lists(step, max_size=40), st.integers(1, 5), st.integers(1, 6))
def test_duplicate_memory_matches_a_dict_of_keys(steps: list[tuple[str, str | None, OrderSide, str, int]],
                                                 window: int, capacity: int) -> None:
    """Equal values written differently ("0.010", "0.01") are the same key; a NaN price matches only
    itself (as in a dict); times may go backwards; the memory is an LRU of ``capacity`` keys."""
    layer = OrderSanityLayer(OrderSanityConfig(duplicate_window_ns=window, duplicate_memory=capacity))
    model: dict[tuple[object, ...], tuple[int, str]] = {}  # insertion order is the LRU order
    now = 100
    for qty, price, side, cid, gap in steps:
        now += gap
        p = NAN if price == "nan" else Decimal(price) if price is not None else None
        intent = OrderRequest(client_order_id=cid, instrument_id=INSTRUMENTS[0].id, side=side,
                              type=OrderType.LIMIT if p is not None else OrderType.MARKET, qty=Decimal(qty), price=p)
        while model and now - next(iter(model.values()))[0] >= window:
            del model[next(iter(model))]
        key = (intent.instrument_id, side, intent.type, p, intent.qty)
        seen = model.get(key)
        duplicate = seen is not None and seen[1] != cid and 0 <= now - seen[0] < window
        if not duplicate:
            model.pop(key, None)
            model[key] = (now, cid)
            if len(model) > capacity:
                del model[next(iter(model))]
        assert layer._is_duplicate(intent, now) is duplicate  # white-box: the memory is the point here
        assert [(e[2], e[3]) for e in layer._recent.values()] == list(model.values())


refs = st.sampled_from(["60000.0", "60000", "59999.9", "0", "-1", "nan", "inf", None])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(refs, refs, st.booleans(), st.integers(-2, 2)), min_size=1, max_size=12),
       st.sampled_from(["mid", "mark", "mid_or_mark"]))
def test_a_kept_reference_verdict_matches_a_fresh_layer(steps: list[tuple[str | None, str | None, bool, int]],
                                                        reference: str) -> None:
    """The layer judges a reference price object once and keeps the verdict: across mids and marks that
    change, repeat (the same object again), are unusable, or are equal values written differently, one
    kept layer decides as a fresh layer would. Limit prices sit exactly at the 50 bps band edge (60300.0
    from 60000) or one tick either side of it."""
    cfg = OrderSanityConfig(price_band_bps=Decimal(50), reference=reference, duplicate_window_ns=0)
    kept = OrderSanityLayer(cfg, instruments=INSTRUMENTS)
    inst = INSTRUMENTS[0]
    previous: dict[str | None, Decimal | None] = {}
    for mid, mark, same_object, ticks in steps:
        prices = []
        for text in (mid, mark):  # the same object again when asked and when it was seen before
            value = None if text is None else Decimal(text)
            if same_object and text in previous:
                value = previous[text]
            previous[text] = value
            prices.append(value)
        pf = PortfolioState(ts_ns=0, instruments={i.id: i for i in INSTRUMENTS},
                            mid_prices={inst.id: prices[0]} if prices[0] is not None else {},
                            mark_prices={inst.id: prices[1]} if prices[1] is not None else {})
        for side, edge in ((OrderSide.SELL, Decimal("60300.0")), (OrderSide.BUY, Decimal("59700.0"))):
            price = edge + inst.tick_size * ticks
            intent = OrderRequest(client_order_id="c", instrument_id=inst.id, side=side, type=OrderType.LIMIT,
                                  qty=Decimal("0.010"), price=price)
            got = kept.check_fast(intent, pf, IntentView.of(intent, pf))
            want = OrderSanityLayer(cfg, instruments=INSTRUMENTS).check(intent, pf)
            assert (got.action, got.reason, got.detail) == (want.action, want.reason, want.detail), (prices, price)
