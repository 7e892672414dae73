"""DataValidator: each rule against a row-by-row reference, spikes vs level shifts, counted anomalies,
the clock-offset estimate, and the `validated` feed's counted drops."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from cryptoscalp_core.domain.events import QUOTE_DTYPE, TRADE_DTYPE, EventKind, Side
from cryptoscalp_core.marketdata.validated_feed import ValidatedFeed
from cryptoscalp_core.marketdata.validator import DataValidator
from cryptoscalp_core.marketdata.validator_config import ValidatorConfig

MS = 1_000_000
NO_JUMPS = ValidatorConfig(jump_sigma=1e9, max_price_ratio=1e9, warmup=10**9)


def trade_rows(ids: list[int], ts: list[int], prices: list[float], inst: list[int] | None = None) -> np.ndarray:
    rows = np.zeros(len(ids), dtype=TRADE_DTYPE)
    rows["trade_id"], rows["ts_event"], rows["price"] = ids, ts, prices
    rows["ts_recv"] = np.maximum.accumulate(np.asarray(ts)) + MS if ts else []
    rows["qty"], rows["side"] = 1.0, int(Side.BUY)
    rows["instrument"] = inst if inst is not None else 0
    return rows


def reference(batches: list[np.ndarray]) -> list[list[str | None]]:
    """Row by row, rule after rule as documented: ``ts_event_backwards`` against the running maximum of the
    rows that passed the earlier rules, then ``duplicate_trade_id`` against the rows that passed all rules
    before it; across batches both compare with the rows finally kept."""
    last_id: dict[int, int] = {}
    last_ts: dict[int, int] = {}
    low = -(2**63)
    out = []
    for rows in batches:
        verdicts: list[str | None] = [None] * len(rows)
        run_ts = dict(last_ts)
        for j, r in enumerate(rows):
            i = int(r["instrument"])
            if int(r["ts_event"]) < run_ts.get(i, low):
                verdicts[j] = "ts_event_backwards"
            else:
                run_ts[i] = max(run_ts.get(i, low), int(r["ts_event"]))
        run_id = dict(last_id)
        for j, r in enumerate(rows):
            i = int(r["instrument"])
            if verdicts[j] is None:
                if int(r["trade_id"]) <= run_id.get(i, low):
                    verdicts[j] = "duplicate_trade_id"
                else:
                    run_id[i] = int(r["trade_id"])
        for j, r in enumerate(rows):
            if verdicts[j] is None:
                i = int(r["instrument"])
                last_id[i] = max(last_id.get(i, low), int(r["trade_id"]))
                last_ts[i] = max(last_ts.get(i, low), int(r["ts_event"]))
        out.append(verdicts)
    return out


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.tuples(st.integers(0, 30), st.integers(0, 30), st.integers(0, 1)), max_size=25),
                min_size=1, max_size=5))
def test_ordering_rules_match_row_by_row_reference(spec: list[list[tuple[int, int, int]]]) -> None:
    batches = [trade_rows([a for a, _, _ in b], [t * MS for _, t, _ in b], [100.0] * len(b), [i for _, _, i in b])
               for b in spec]
    for b in batches:  # ts_recv must not go back or the core rule would take these rows first
        b["ts_recv"] = 10**12
    v = DataValidator(NO_JUMPS, 2)
    expected = reference(batches)
    totals: dict[str, int] = {}
    for rows, verdicts in zip(batches, expected, strict=True):
        kept, dropped = v.check(rows)
        assert kept["trade_id"].tolist() == [int(r["trade_id"]) for r, x in zip(rows, verdicts, strict=True)
                                             if x is None]
        want: dict[str, int] = {}
        for x in verdicts:
            if x:
                want[x] = want.get(x, 0) + 1
        assert dropped == want
        for k, n in want.items():
            totals[k] = totals.get(k, 0) + n
    assert v.dropped == totals


def test_nan_negative_absurd_and_crossed_are_dropped_and_counted() -> None:
    v = DataValidator(ValidatorConfig(max_price_ratio=5), 1)
    rows = trade_rows(list(range(6)), [i * MS for i in range(6)], [100.0, math.nan, -1.0, 100.5, 1000.0, 101.0])
    kept, dropped = v.check(rows)
    assert kept["trade_id"].tolist() == [0, 3, 5]
    assert dropped == {"non_finite_price": 1, "non_positive_price": 1, "absurd_price": 1}
    q = np.zeros(3, dtype=QUOTE_DTYPE)
    q["ts_event"] = q["ts_recv"] = [10 * MS, 11 * MS, 12 * MS]
    q["bid_price"], q["ask_price"] = [100.0, 101.0, 100.0], [100.1, 100.9, 100.2]
    q["bid_qty"] = q["ask_qty"] = 1.0
    kept, dropped = v.check(q)
    assert dropped == {"crossed_quote": 1} and kept["bid_price"].tolist() == [100.0, 100.0]


def _walk(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return 100.0 * np.exp(np.cumsum(rng.normal(0, 1e-4, n)))


def test_lone_spike_is_dropped_but_its_neighbours_are_kept() -> None:
    v = DataValidator(ValidatorConfig(warmup=100, jump_sigma=10), 1)
    prices = _walk(600, 1)
    prices[400] *= 1.02  # ~200 sigma
    rows = trade_rows(list(range(600)), [i * MS for i in range(600)], prices.tolist())
    kept, dropped = v.check(rows[:300])
    assert len(kept) == 300 and not dropped
    kept, dropped = v.check(rows[300:])
    assert dropped == {"price_jump": 1}
    assert 400 not in kept["trade_id"].tolist() and 401 in kept["trade_id"].tolist()


def test_level_shift_is_adopted_after_a_few_prints() -> None:
    v = DataValidator(ValidatorConfig(warmup=100, jump_sigma=10), 1)
    prices = _walk(600, 2)
    prices[400:] *= 1.03
    rows = trade_rows(list(range(600)), [i * MS for i in range(600)], prices.tolist())
    v.check(rows[:400])
    kept, dropped = v.check(rows[400:])
    assert 1 <= dropped.get("price_jump", 0) <= 3
    assert kept["trade_id"][-100:].tolist() == list(range(500, 600))


def test_large_trade_is_an_anomaly_not_a_drop_and_clock_offset_is_robust() -> None:
    v = DataValidator(ValidatorConfig(warmup=50, size_sigma=5), 1)
    rows = trade_rows(list(range(400)), [i * 1000 * MS for i in range(400)], _walk(400, 3).tolist())
    rng = np.random.default_rng(0)
    rows["qty"] = np.exp(rng.normal(0, 0.3, 400))
    rows["qty"][300] = 1e4
    latency = rng.normal(7 * MS, 0.5 * MS, 400).astype(np.int64)
    latency[::50] = 900 * MS  # bursts
    rows["ts_recv"] = rows["ts_event"] + latency
    rows["ts_recv"] = np.maximum.accumulate(rows["ts_recv"])
    total = 0
    for chunk in np.array_split(rows, 40):
        kept, _ = v.check(chunk)
        total += len(kept)
    assert total == 400
    assert v.anomalies.get("trade_size", 0) >= 1
    assert abs(v.clock.offset_ns / MS - 7.0) < 1.0


async def test_validated_feed_counts_drops_in_stats(scripted: Any) -> None:
    from cryptoscalp_core.ports.market_feed import EventBatch

    rows = trade_rows([1, 2, 2, 3], [MS, 2 * MS, 2 * MS, 3 * MS], [100.0, 100.1, 100.1, math.inf])
    src = scripted([EventBatch(EventKind.TRADE, rows), "end"])
    src.stats.drop("malformed", 2)
    feed = ValidatedFeed(src, NO_JUMPS, 1)
    await feed.start()
    got = [b async for b in feed.batches()]
    await feed.stop()
    assert [int(x) for b in got for x in b.rows["trade_id"]] == [1, 2]
    assert feed.stats.dropped == {"malformed": 2, "duplicate_trade_id": 1, "non_finite_price": 1}
    assert feed.stats.events == 2
