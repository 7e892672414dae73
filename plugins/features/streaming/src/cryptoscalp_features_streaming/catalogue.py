"""The feature catalogue: every name the engine can produce, with family, parameters and warm-up.

Names are ``<source>.<clock>.<feature>``: ``source`` is ``trade`` (trade prices and volumes), ``quote``
(best bid/offer updates), ``book`` (the L2 depth book), or ``time`` (the row's own timestamp);
``clock`` is a bar clock (``time1s``, ``tick100``…) or ``event`` for per-event features; cross-asset
columns are ``xasset.<time clock>.<corr|beta>_<w>.<venue:SYMBOL>``. ``warmup`` is the number of bars
(per-event features: events) an instrument must have seen before the feature has a value: TA-Lib's
lookback plus one for the TA families.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from cryptoscalp_features_streaming.config import StreamingFeaturesConfig

FAMILIES = ("ma", "rsi", "stoch", "cci", "willr", "mfi", "macd", "bbands", "keltner", "atr", "adx", "obv",
            "vwap", "returns", "rv", "zscore", "ofi", "tfi", "vpin", "kyle", "amihud", "spread", "depth",
            "microprice", "intensity", "tod", "xasset")
MACD_PARAMS = ((12, 26, 9), (5, 35, 5))
STOCH_PARAMS = ((14, 3, 3), (5, 3, 3))
HLC = ("high", "low", "close")


@dataclass(frozen=True, slots=True)
class FeatureSpec:
    name: str
    family: str
    clock: str  #: a bar clock's name, "event" or "row"
    params: dict[str, Any] = field(default_factory=dict)
    warmup: int = 1
    recipe: tuple[Any, ...] = ()  #: how the bar bank computes it (bar features only)

    def describe(self) -> str:
        return ", ".join(f"{k}={v}" for k, v in self.params.items())


def _ta(cls: str, inputs: tuple[str, ...], out: int, **params: Any) -> tuple[Any, ...]:
    return ("ta", cls, tuple(sorted(params.items())), inputs, out)


def _bar_features(clock: str, cfg: StreamingFeaturesConfig) -> list[FeatureSpec]:
    ma = [int(w) for w in cfg.setting("ma_windows")]
    osc = [int(w) for w in cfg.setting("osc_windows")]
    bands = [int(w) for w in cfg.setting("band_windows")]
    wins = [int(w) for w in cfg.setting("windows")]
    horizons = [int(h) for h in cfg.setting("return_horizons")]
    levels = [int(n) for n in cfg.setting("ofi_levels")]
    t, q, b = f"trade.{clock}.", f"quote.{clock}.", f"book.{clock}."
    out: list[FeatureSpec] = []

    def add(name: str, family: str, warmup: int, recipe: tuple[Any, ...], **params: Any) -> None:
        out.append(FeatureSpec(name, family, clock, params, warmup, recipe))

    warm: dict[str, Callable[[int], int]] = {
        "SMA": lambda w: w, "EMA": lambda w: w, "WMA": lambda w: w, "DEMA": lambda w: 2 * w - 1,
            "TEMA": lambda w: 3 * w - 2, "KAMA": lambda w: w + 1}
    for cls, fn in warm.items():
        for w in ma:
            add(f"{t}{cls.lower()}_{w}", "ma", fn(w), _ta(cls, ("close",), 0, timeperiod=w), period=w)
    for w in osc:
        add(f"{t}rsi_{w}", "rsi", w + 1, _ta("RSI", ("close",), 0, timeperiod=w), period=w)
        add(f"{t}cci_{w}", "cci", w, _ta("CCI", HLC, 0, timeperiod=w), period=w)
        add(f"{t}willr_{w}", "willr", w, _ta("WILLR", HLC, 0, timeperiod=w), period=w)
        add(f"{t}mfi_{w}", "mfi", w + 1, _ta("MFI", (*HLC, "volume"), 0, timeperiod=w), period=w)
        add(f"{t}atr_{w}", "atr", w + 1, _ta("ATR", HLC, 0, timeperiod=w), period=w)
        add(f"{t}natr_{w}", "atr", w + 1, _ta("NATR", HLC, 0, timeperiod=w), period=w)
        add(f"{t}adx_{w}", "adx", 2 * w, _ta("ADX", HLC, 0, timeperiod=w), period=w)
    for fk, sk, sd in STOCH_PARAMS:
        p = {"fastk_period": fk, "slowk_period": sk, "slowd_period": sd}
        for j, part in enumerate(("k", "d")):
            add(f"{t}stoch_{part}_{fk}", "stoch", fk + sk + sd - 2, _ta("STOCH", HLC, j, **p), **p)
    for f, s, g in MACD_PARAMS:
        p = {"fastperiod": f, "slowperiod": s, "signalperiod": g}
        for j, part in enumerate(("macd", "macd_signal", "macd_hist")):
            add(f"{t}{part}_{f}_{s}_{g}", "macd", s + g - 1, _ta("MACD", ("close",), j, **p), **p)
    for w in bands:
        pb: dict[str, float] = {"timeperiod": w, "nbdevup": 2.0, "nbdevdn": 2.0}
        for j, part in enumerate(("upper", "middle", "lower")):
            add(f"{t}bb_{part}_{w}", "bbands", w, _ta("BBANDS", ("close",), j, **pb), period=w, nbdev=2.0)
        add(f"{t}bb_pctb_{w}", "bbands", w, ("bb_pctb", _ta("BBANDS", ("close",), 0, **pb)), period=w, nbdev=2.0)
        add(f"{t}bb_width_{w}", "bbands", w, ("bb_width", _ta("BBANDS", ("close",), 0, **pb)), period=w, nbdev=2.0)
        pk = {"timeperiod": w, "multiplier": 2.0}
        for j, part in enumerate(("upper", "middle", "lower")):
            add(f"{t}kc_{part}_{w}", "keltner", w + 1, _ta("KELTNER", HLC, j, **pk), period=w, multiplier=2.0)
    add(f"{t}obv", "obv", 1, _ta("OBV", ("close", "volume"), 0))
    for h in horizons:
        add(f"{t}ret_{h}", "returns", h + 1, ("ret", h, False), horizon=h)
        add(f"{t}logret_{h}", "returns", h + 1, ("ret", h, True), horizon=h)
    for w in wins:
        add(f"{t}vwap_{w}", "vwap", w, ("ratio", "dollar", "volume", w), window=w)
        add(f"{t}vwap_dev_bps_{w}", "vwap", w, ("vwap_dev", w), window=w)
        add(f"{t}rv_cc_{w}", "rv", w + 1, ("std", "logret", w), window=w, estimator="close-to-close")
        for est in ("parkinson", "gk", "rs"):
            add(f"{t}rv_{est}_{w}", "rv", w, ("sqrtmean", est, w), window=w, estimator=est)
        add(f"{t}zscore_{w}", "zscore", w, ("zscore", w), window=w)
        add(f"{t}tfi_{w}", "tfi", w, ("ratio", "signed", "volume", w), window=w)
        add(f"{t}vpin_{w}", "vpin", w, ("ratio", "absimb", "volume", w), window=w)
        add(f"{t}kyle_lambda_{w}", "kyle", w + 1, ("beta", w), window=w)
        add(f"{t}amihud_{w}", "amihud", w + 1, ("mean", "amihud", w), window=w)
        add(f"{t}trade_rate_{w}", "intensity", w, ("ratio", "trades", "duration", w), window=w)
        add(f"{t}quote_rate_{w}", "intensity", w, ("ratio", "quotes", "duration", w), window=w)
        add(f"{q}spread_bps_{w}", "spread", w, ("ratio", "q_spread", "q_count", w), window=w)
        add(f"{q}ofi_{w}", "ofi", w, ("sum", "q_ofi", w), window=w, levels=1)
        for n in levels:
            add(f"{b}ofi_l{n}_{w}", "ofi", w, ("sum", f"b_ofi_{n}", w), window=w, levels=n)
    return out


def event_features(cfg: StreamingFeaturesConfig) -> list[FeatureSpec]:
    """Per-event features in the column order of their kernels (see :mod:`.microstate`)."""
    out = [FeatureSpec("quote.event.spread_bps", "spread", "event"),
           FeatureSpec("quote.event.microprice_dev_bps", "microprice", "event"),
           FeatureSpec("quote.event.imbalance_l1", "depth", "event", {"levels": 1}),
           FeatureSpec("quote.event.ofi", "ofi", "event", {"levels": 1}, 2),
           FeatureSpec("book.event.spread_bps", "spread", "event"),
           FeatureSpec("book.event.microprice_dev_bps", "microprice", "event")]
    out += [FeatureSpec(f"book.event.imbalance_l{n}", "depth", "event", {"levels": n})
            for n in cfg.setting("imbalance_levels")]
    out += [FeatureSpec(f"book.event.ofi_l{n}", "ofi", "event", {"levels": n}, 2) for n in cfg.setting("ofi_levels")]
    hls = [float(h) for h in cfg.setting("half_lives_s")]
    out += [FeatureSpec(f"trade.event.trade_rate_hl{h:g}s", "intensity", "event", {"half_life_s": h}) for h in hls]
    out += [FeatureSpec(f"quote.event.quote_rate_hl{h:g}s", "intensity", "event", {"half_life_s": h}) for h in hls]
    out.append(FeatureSpec("trade.event.time_since_trade_s", "intensity", "event"))
    out += [FeatureSpec(f"time.row.{n}", "tod", "row") for n in
            ("tod_sin", "tod_cos", "dow_sin", "dow_cos", "funding_phase")]
    return out


def xasset_features(cfg: StreamingFeaturesConfig, instruments: Sequence[str]) -> list[FeatureSpec]:
    """Cross-asset columns, one per (clock, stat, window, other instrument); none without ``xasset`` or
    with fewer than two instruments. ``ValueError`` for a reference that is not an instrument."""
    x = cfg.xasset
    if x is None or len(instruments) < 2:
        return []
    if x.reference is not None and x.reference not in instruments:
        raise ValueError(f"xasset.reference: {x.reference!r} is not one of the instruments {list(instruments)}")
    others = [x.reference] if x.reference is not None else list(instruments)
    return [FeatureSpec(f"xasset.{clock}.{stat}_{w}.{other}", "xasset", clock,
                        {"window": w, "instrument": other}, w + 1, ("xasset", stat, w, other))
            for clock in x.clocks for stat in x.stats for w in x.windows for other in others]


def build_catalogue(cfg: StreamingFeaturesConfig, instruments: Sequence[str] = ()) -> list[FeatureSpec]:
    """Every feature the configuration's clocks, windows and levels define (before selection);
    ``instruments`` (ids in profile order) name the cross-asset columns."""
    from cryptoscalp_features_streaming.clocks import parse_clock

    specs = event_features(cfg)
    for name in cfg.setting("clocks"):
        clock = parse_clock(str(name))
        specs += _bar_features(clock.name, cfg)
    return specs + xasset_features(cfg, instruments)


def select(cfg: StreamingFeaturesConfig, catalogue: list[FeatureSpec]) -> list[FeatureSpec]:
    """Apply ``families``, ``include`` and ``exclude`` (see :mod:`.config`); ``ValueError`` when nothing is left."""
    fams, inc = set(cfg.families or ()), cfg.include
    keep = [s for s in catalogue
            if (not fams and not inc) or s.family in fams or any(fnmatch.fnmatchcase(s.name, p) for p in inc)]
    keep = [s for s in keep if not any(fnmatch.fnmatchcase(s.name, p) for p in cfg.exclude)]
    if not keep:
        raise ValueError("the selection (families / include / exclude) leaves no feature")
    return keep
