"""Stylised facts of a long simulated run against the shipped parameters and the recording they came from.

The first two are exact consequences of the model (confidence intervals from Hawkes count asymptotics);
the last compares the simulation with facts of the real recording that no parameter was fitted to, so
it measures the model, with deliberately loose bounds (README: what the model gets wrong).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import numpy as np
import pytest
from cryptoscalp_feed_synthetic.config import SyntheticFeedConfig
from cryptoscalp_feed_synthetic.feed import factory
from cryptoscalp_feed_synthetic.parameters import load

from cryptoscalp_core.domain.events import EventKind

PARAMS = load(None)
HORIZON = 1800.0


@pytest.fixture(scope="module")
def long_run() -> dict[str, np.ndarray]:
    from cryptoscalp_core.testing.conformance import sample_instruments

    feed = factory(SyntheticFeedConfig(seed=12, duration_s=HORIZON), instruments=sample_instruments())
    parts: dict[EventKind, list[np.ndarray]] = {k: [] for k in EventKind}

    async def go() -> None:
        await feed.start()
        async for batch in feed.batches():
            parts[batch.kind].append(batch.rows)

    started, cpu = time.perf_counter(), time.process_time()
    asyncio.run(go())
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(f"\nsynthetic feed: {feed.stats.events:,} rows in {feed.stats.batches:,} batches, "
          f"{feed.stats.events / cpu:,.0f} rows per CPU second ({feed.stats.events / wall:,.0f} per wall second)")
    return {kind.name: np.concatenate(rows) for kind, rows in parts.items() if rows}


def market_orders(trades: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One market order = the trades of one message: same ts_event and aggressor side."""
    keys = np.unique(np.stack([trades["ts_event"], trades["side"]], axis=1), axis=0)
    return keys[:, 0], keys[:, 1]


def hawkes_count_sd(rates: np.ndarray) -> np.ndarray:
    """Asymptotic covariance per unit time of Hawkes counts: (I - A)^-1 diag(rates) (I - A)^-T."""
    inv = np.linalg.inv(np.eye(2) - np.asarray(PARAMS.hawkes.alpha))
    return inv @ np.diag(rates) @ inv.T


def test_market_order_rate_matches_baseline_over_one_minus_branching(long_run: dict[str, np.ndarray]) -> None:
    _, sides = market_orders(long_run["TRADE"])
    rates = np.asarray(PARAMS.hawkes.stationary_rates)
    total, cov = rates.sum(), hawkes_count_sd(rates)
    sd = np.sqrt(cov.sum() / HORIZON)
    observed = len(sides) / HORIZON
    print(f"market orders/s {observed:.3f}, expected {total:.3f} +- {sd:.3f} "
          f"(sum mu / (1 - n) = {sum(PARAMS.hawkes.mu) / (1 - PARAMS.hawkes.branching_ratio):.3f})")
    assert abs(observed - total) < 4 * sd


def test_buy_sell_balance(long_run: dict[str, np.ndarray]) -> None:
    _, sides = market_orders(long_run["TRADE"])
    rates = np.asarray(PARAMS.hawkes.stationary_rates)
    cov = hawkes_count_sd(rates) / HORIZON
    buys, sells = (sides == 1).sum() / HORIZON, (sides == -1).sum() / HORIZON
    share = buys / (buys + sells)
    expected = rates[0] / rates.sum()
    # delta method for the buy share b / (b + s)
    grad = np.array([rates[1], -rates[0]]) / rates.sum() ** 2
    sd = float(np.sqrt(grad @ cov @ grad))
    assert abs(share - expected) < 4 * sd, (share, expected, sd)


def test_touch_events_match_their_intensities(long_run: dict[str, np.ndarray]) -> None:
    """Compensator check of the book simulator: touch adds and cancels counted in the stream against
    the integral of their queue-reactive intensities along the quoted queue sizes (both sides). This is
    what an inexact event-time race (or a wrong rate law) would break."""
    lv = PARAMS.levels[0]
    quotes, deltas = long_run["QUOTE"], long_run["BOOK_DELTA"]
    t = (quotes["ts_event"] - quotes["ts_event"][0]) / 1e9
    dt = np.diff(np.r_[t, HORIZON])
    expected_adds = expected_cancels = 0.0
    for col in ("bid_qty", "ask_qty"):
        x = quotes[col] / lv.scale  # BTCUSDT: quantity is base quantity
        expected_adds += float((dt * lv.add_rate * (1 + x) ** -lv.add_theta).sum())
        expected_cancels += float((dt * lv.cancel_rate * x**lv.cancel_phi).sum())
    seqs, first, n_rows = np.unique(deltas["first_seq"], return_index=True, return_counts=True)
    head = deltas[first]
    before = np.searchsorted(quotes["seq"], seqs) - 1  # the top as quoted before this message
    ok = (before >= 0) & ~np.isin(head["ts_event"], long_run["TRADE"]["ts_event"])
    before = np.maximum(before, 0)
    bid = head["side"] == 1
    best = np.where(bid, np.rint(quotes["bid_price"][before] * 10), np.rint(quotes["ask_price"][before] * 10))
    size = np.where(bid, quotes["bid_qty"][before], quotes["ask_qty"][before])
    at_touch = ok & (head["price_ticks"] == best)
    adds = int((at_touch & (n_rows == 1) & (head["qty"] > size)).sum())
    cancels = int((at_touch & (head["qty"] < size)).sum())  # a cancel that empties the touch included
    print(f"touch adds {adds} vs {expected_adds:.0f}, cancels {cancels} vs {expected_cancels:.0f}")
    assert abs(adds - expected_adds) < 4 * np.sqrt(expected_adds)
    assert abs(cancels - expected_cancels) < 4 * np.sqrt(expected_cancels)


def test_prints_per_level_fill_follow_the_fitted_law(long_run: dict[str, np.ndarray]) -> None:
    trades = long_run["TRADE"]
    fill = np.stack([trades["ts_event"], trades["side"], np.rint(trades["price"] * 10)], axis=1)
    _, inverse, counts = np.unique(fill, axis=0, return_inverse=True, return_counts=True)
    qty = np.bincount(inverse.ravel(), weights=trades["qty"])
    lam = PARAMS.prints.rho * qty**PARAMS.prints.gamma
    # capped at one print per lot, so compare where the cap cannot bind
    free = qty >= 0.05
    expected = (1 + lam[free]).sum()
    assert counts[free].sum() == pytest.approx(expected, rel=4 / np.sqrt(free.sum()) + 0.02)


def weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    order = np.argsort(values)
    cum = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cum, cum[-1] / 2)])


def test_close_to_the_recording_it_was_fitted_to(long_run: dict[str, Any]) -> None:
    facts = PARAMS.diagnostics["stylised"]
    quotes = long_run["QUOTE"]
    t = (quotes["ts_event"] - quotes["ts_event"][0]) / 1e9
    dt = np.diff(np.r_[t, HORIZON])
    mid = quotes["bid_price"] + quotes["ask_price"]
    spread_ticks = np.rint((quotes["ask_price"] - quotes["bid_price"]) * 10)
    sim = {"mid_changes_per_s": (np.diff(mid) != 0).sum() / HORIZON,
           "wide_spread_share": float((dt * (spread_ticks > 1)).sum() / HORIZON),
           "touch_depth_median": weighted_median(np.r_[quotes["bid_qty"], quotes["ask_qty"]], np.r_[dt, dt])}
    print({k: (round(v, 4), facts[k]) for k, v in sim.items()})
    for name, value in sim.items():
        assert facts[name] / 2.5 < value < facts[name] * 2.5, (name, value, facts[name])
