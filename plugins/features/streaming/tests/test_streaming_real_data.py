"""Real data through ``market_data_dir``: TA-Lib agreement of the bar clock + indicator wiring on
Binance 1-minute bars, and the Binance tick recording run through the full catalogue."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from cryptoscalp_features_streaming import StreamingFeatureEngine, StreamingFeaturesConfig

from cryptoscalp_core.domain.events import EventKind
from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.ports.market_feed import EventBatch

talib = pytest.importorskip("talib")
replay = pytest.importorskip("cryptoscalp_feed_replay")
BTC = Instrument("binance-usdm", "BTCUSDT", tick_size=Decimal("0.1"), lot_size=Decimal("0.001"))


def test_one_minute_clock_and_indicators_equal_talib(market_data_dir: Path) -> None:
    from cryptoscalp_feed_replay.ohlcv import bar_interval_ns, bars_to_trades, read_ohlcv

    bars = read_ohlcv(market_data_dir / "ohlcv" / "binance-usdm-1m" / "BTCUSDT-1m.csv.gz")[:3000]
    bars = bars[bars["volume"] > 0]
    trades, dropped = bars_to_trades(bars, 0, interval_ns=bar_interval_ns(bars))
    assert not dropped
    cfg = StreamingFeaturesConfig(clocks=["time1m"], ma_windows=[10, 30], osc_windows=[14], band_windows=[20],
                                  families=["ma", "rsi", "cci", "willr", "mfi", "atr", "adx", "stoch", "macd",
                                            "bbands", "obv"], emit="time1m")
    eng = StreamingFeatureEngine(cfg)
    outs = [eng.update(EventBatch(EventKind.TRADE, trades[i:i + 997])) for i in range(0, len(trades), 997)]
    values = np.concatenate([o.values for o in outs])
    # One row per bar close; a bar closes at the first print of the next minute: all but the last bar.
    h, lo, c, v = (bars[k][:len(values)] for k in ("high", "low", "close", "volume"))
    assert len(values) == len(bars) - 1
    col = {n: j for j, n in enumerate(eng.names)}
    ref = {
        "sma_10": talib.SMA(c, 10), "ema_30": talib.EMA(c, 30), "wma_10": talib.WMA(c, 10),
        "dema_10": talib.DEMA(c, 10), "tema_10": talib.TEMA(c, 10), "kama_30": talib.KAMA(c, 30),
        "rsi_14": talib.RSI(c, 14), "cci_14": talib.CCI(h, lo, c, 14), "willr_14": talib.WILLR(h, lo, c, 14),
        "mfi_14": talib.MFI(h, lo, c, v, 14), "atr_14": talib.ATR(h, lo, c, 14), "natr_14": talib.NATR(h, lo, c, 14),
        "adx_14": talib.ADX(h, lo, c, 14), "stoch_k_14": talib.STOCH(h, lo, c, 14, 3, 0, 3, 0)[0],
        "macd_hist_12_26_9": talib.MACD(c, 12, 26, 9)[2], "bb_upper_20": talib.BBANDS(c, 20, 2, 2)[0],
    }
    for name, expected in ref.items():
        got = values[:, col[f"trade.time1m.{name}"]]
        np.testing.assert_allclose(got, expected, rtol=1e-7, atol=1e-7, equal_nan=True, err_msg=name)
    obv = values[:, col["trade.time1m.obv"]]
    np.testing.assert_allclose(np.diff(obv), np.diff(talib.OBV(c, v)), rtol=1e-9, atol=1e-6)


def test_the_binance_recording_runs_the_full_catalogue(market_data_dir: Path) -> None:
    path = market_data_dir / "binance-usdm" / "hftbacktest" / "btcusdt_20240808.gz"
    if not path.is_file():
        pytest.skip(f"{path.name} not in the data folder")
    from cryptoscalp_feed_replay import ReplayConfig, make_replay_feed

    feed = make_replay_feed(ReplayConfig(path=str(path), format="binance-ws", chunk_rows=20_000), instruments=[BTC])

    async def take(limit: int) -> list[EventBatch]:
        out: list[EventBatch] = []
        await feed.start()
        async for b in feed.batches():
            out.append(b)
            if sum(len(x) for x in out) >= limit:
                break
        await feed.stop()
        return out

    stream = asyncio.run(take(150_000))
    eng = StreamingFeatureEngine(StreamingFeaturesConfig(full=True))
    outs = [eng.update(b) for b in stream]
    values = np.concatenate([o.values for o in outs if len(o)])
    ts = np.concatenate([o.ts for o in outs])
    n_trades = sum(len(b) for b in stream if b.kind is EventKind.TRADE)
    assert len(values) == n_trades > 0 and (np.diff(ts) >= 0).all()
    last = values[-1]
    names = eng.names
    for name in ("book.event.spread_bps", "book.event.imbalance_l5", "book.event.ofi_l1", "quote.event.spread_bps",
                 "trade.tick100.rsi_14", "trade.time1s.vwap_10", "trade.tick100.vpin_20", "book.tick100.ofi_l5_20"):
        assert np.isfinite(last[names.index(name)]), name
    spread = values[:, names.index("quote.event.spread_bps")]
    assert np.nanmin(spread) > 0  # a quoted BTCUSDT spread is at least one tick
    assert not np.isinf(values).any()
