"""Estimate the model's parameters from a raw Binance USD-M recording and write a params file.

    python -m cryptoscalp_feed_synthetic.estimate RECORDING.gz --out params/x.json [--levels 5]

Needs the ``estimate`` extra (scipy). Every number in the output comes from the recording; the
``diagnostics`` block says how well each part is determined (standard errors, event counts, exposure)
and carries a few stylised facts of the recording that the simulator can be checked against.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from cryptoscalp_feed_synthetic import extract, fit
from cryptoscalp_feed_synthetic.parameters import ModelParams
from cryptoscalp_feed_synthetic.recording import Recording, read

__all__ = ["estimate", "main"]


def _r(x: float) -> float:
    """Six significant digits: the fits are not more precise than that and the file stays readable."""
    return float(f"{x:.6g}")


def _rounded(obj: Any) -> Any:
    if isinstance(obj, float):
        return _r(obj)
    if isinstance(obj, dict):
        return {k: _rounded(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_rounded(v) for v in obj]
    return obj


def estimate(path: Path, *, levels: int = 5, venue: str = "binance-usdm", tick_size: float | None = None,
             lot_size: float | None = None) -> dict[str, Any]:
    """The params dictionary (the JSON file's content) estimated from one recording."""
    rec = read(path, tick_size=tick_size, lot_size=lot_size)
    lot = rec.lot_size
    horizon = (rec.last_E - rec.first_E) / 1e3
    times, types, mo_lots, merged = extract.market_orders(rec)
    hawkes = fit.fit_hawkes(times, types, horizon)
    fill_lots, fill_prints = extract.level_fills(rec)
    touch = extract.touch(rec)
    deep = 4 * levels  # levels levels..deep-1 describe the prices the window reaches later
    book = extract.depth(rec, levels, deep)

    level_params, level_diag = [], []
    for k in range(levels):
        qs = touch.queue if k == 0 else book.queues[k]
        scale = float(np.median(book.sizes[k]))
        eq, edt = np.asarray(qs.expo_q, float), np.asarray(qs.expo_dt)
        add = fit.fit_add_rate(eq, edt, np.asarray(qs.add_q, float), scale)
        cancel = fit.fit_cancel_rate(eq, edt, np.asarray(qs.cancel_q, float), scale)
        level_params.append({
            "scale": scale * lot, "add_rate": add.rate, "add_theta": add.shape,
            "cancel_rate": cancel.rate, "cancel_phi": cancel.shape,
            "add_size": fit.fit_size(np.asarray(qs.add_q, float), np.asarray(qs.add_size) * lot, scale),
            "cancel_size": fit.fit_size(np.asarray(qs.cancel_q, float), np.asarray(qs.cancel_size) * lot, scale),
            "occupancy": 1.0 if k == 0 else float(book.occupied_s[k] / book.observed_s),
            "depth": fit.fit_lognormal(np.asarray(book.sizes[k]) * lot),
        })
        level_diag.append({"source": "bookTicker" if k == 0 else "depth@0ms", "adds": add.events,
                           "cancels": cancel.events, "exposure_s": add.exposure_s})
    fresh_sizes = np.concatenate([np.asarray(book.sizes[k]) for k in range(levels, deep)]) * lot
    depth0 = book.queues[0]
    latency = rec.latency_ms
    shift = float(latency.min()) - 1.0  # E is truncated to the ms: the fastest message took up to 1 ms more
    lat_fit = fit.fit_lognormal(latency - shift)

    params = {
        "levels": level_params,
        "fresh_level": {"occupancy": float(book.occupied_s[levels:].sum() / (book.observed_s * (deep - levels))),
                        "depth": fit.fit_lognormal(fresh_sizes)},
        "hawkes": {"mu": hawkes.mu.tolist(), "alpha": hawkes.alpha.tolist(), "beta": hawkes.beta},
        "market_size": fit.fit_lognormal(np.asarray(mo_lots * lot, dtype=np.float64)),
        "prints": fit.fit_prints(np.asarray(fill_lots * lot, dtype=np.float64), fill_prints),
        "in_spread": {"rate": touch.improvements / (2 * touch.wide_s), "p_close": touch.closing / max(touch.wide3, 1),
                      "size": fit.fit_lognormal(np.asarray(touch.improve_size) * lot)},
        "latency": {"floor_ms": 0.0, "mu": lat_fit["mu"], "sigma": lat_fit["sigma"], "max_ms": lat_fit["max"],
                    "tau_s": fit.correlation_time(rec.local_s, np.log(latency - shift))},
        "source": _source(rec, path, venue, horizon, levels),
        "diagnostics": {
            "hawkes": {"loglik": hawkes.loglik, "branching_ratio": hawkes.branching_ratio,
                       "converged": hawkes.converged, "se_mu": hawkes.se_mu.tolist(),
                       "se_alpha": hawkes.se_alpha.tolist(), "se_beta": hawkes.se_beta,
                       "market_orders": len(times), "buys": int((types == 0).sum()),
                       "trades": len(rec.trades["T"]), "trades_merged_into_orders": merged,
                       "cross_side_same_ms": len(times) - len(np.unique(times)),
                       "horizon_s": horizon},
            "levels": level_diag,
            "touch_from_depth_per_s": {"adds": len(depth0.add_q) / max(sum(depth0.expo_dt), 1e-9),
                                       "cancels": len(depth0.cancel_q) / max(sum(depth0.expo_dt), 1e-9)},
            "in_spread": {"improvements": touch.improvements, "wide_s": touch.wide_s, "wide3": touch.wide3,
                          "closing": touch.closing},
            "latency": {"median_offset_ms": float(np.median(latency)), "shift_ms": shift,
                        "quantiles_ms_above_shift": dict(zip(("p01", "p50", "p99"),
                                                             np.quantile(latency - shift, [.01, .5, .99]).tolist(),
                                                             strict=True))},
            "stylised": {"market_orders_per_s": len(times) / horizon, "level_fills": len(fill_lots),
                         "trades_per_s": len(rec.trades["T"]) / horizon,
                         "buy_share": float((types == 0).mean()), "mid_changes_per_s": touch.mid_changes / horizon,
                         "wide_spread_share": touch.wide_s / touch.total_s,
                         "touch_depth_median": float(np.median(book.sizes[0])) * lot},
        },
    }
    out = _rounded(params)
    ModelParams.from_dict(out)  # the file must load: fail here rather than in a user's backtest
    return out  # type: ignore[no-any-return]


def _source(rec: Recording, path: Path, venue: str, horizon: float, levels: int) -> dict[str, Any]:
    def iso(ms: int) -> str:
        return dt.datetime.fromtimestamp(ms / 1e3, tz=dt.UTC).isoformat(timespec="milliseconds")

    return {"file": path.name, "venue": venue, "symbol": rec.symbol,
            "date": dt.datetime.fromtimestamp(rec.first_E / 1e3, tz=dt.UTC).date().isoformat(),
            "start_utc": iso(rec.first_E), "end_utc": iso(rec.last_E), "duration_s": horizon,
            "tick_size": rec.tick_size, "lot_size": rec.lot_size, "levels": levels,
            "estimator": "python -m cryptoscalp_feed_synthetic.estimate"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cryptoscalp_feed_synthetic.estimate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("recording", type=Path, help="raw Binance USD-M recording (<local_ts> <json> lines, .gz ok)")
    parser.add_argument("--out", type=Path, required=True, help="params JSON file to write")
    parser.add_argument("--levels", type=int, default=5, help="book levels K behind each touch (default 5)")
    parser.add_argument("--venue", default="binance-usdm", help="venue name recorded in the file's source block")
    parser.add_argument("--tick-size", type=float, help="price grid (default: inferred from the prices)")
    parser.add_argument("--lot-size", type=float, help="quantity grid (default: inferred from the sizes)")
    args = parser.parse_args(argv)
    if args.levels < 1:
        parser.error("--levels must be at least 1")
    params = estimate(args.recording, levels=args.levels, venue=args.venue, tick_size=args.tick_size,
                      lot_size=args.lot_size)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(params, indent=1) + "\n")
    h, d = params["hawkes"], params["diagnostics"]["hawkes"]
    print(f"wrote {args.out}: mu={h['mu']} beta={h['beta']} branching={d['branching_ratio']} "
          f"loglik={d['loglik']}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
