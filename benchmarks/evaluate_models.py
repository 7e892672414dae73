"""Honest evaluation of every available model family against naive baselines, walk-forward, net of fees.

Data (``$CRYPTOSCALP_DATA``, default ``../shared/data`` relative to the repository):

* ``ohlcv/binance-usdm-1m``: 1-minute bars of 16 USD-M perpetuals, replayed by the ``replay`` feed (four
  prints per bar) through the ``basic`` feature engine, exactly as a backtest sees them. One decision per
  bar, at its close print. Label: the forward return over ``--bar-horizon`` minutes; classifiers learn
  "up" = the return beats a round trip of taker fees (direction label with a fee dead band).
* ``binance-usdm/hftbacktest/*.gz``: the raw tick recordings (trades, bookTicker, synchronised depth),
  with quote features (so the order-flow-imbalance rule can run). Label horizon ``--tick-horizon-ms``.

Per symbol (or recording) the labelled rows are cut into purged, embargoed walk-forward folds
(``cryptoscalp_core.research.splits``); each fold trains a fresh model on its training rows and is
scored on its test rows only. Scores per fold:

* IC: Spearman rank correlation of the signal with the forward return;
* gross / net: what the signal earns row to row as a target position (fraction of a fixed notional)
  with the engine's dead band ``--band`` (``cryptoscalp_research_optuna.scoring.net_return``), before
  and after a taker fee of ``--fee`` on every change of position. Returns are in basis points of the
  notional, per fold, averaged over symbols and folds; "beats flat" counts the symbol-folds with a net
  return above 0 (flat earns exactly 0). No latency, spread or queue: the real engine can only do worse.

The table goes to ``docs/evaluation.md`` with the command that produced it, whatever it shows.

    .venv/bin/python benchmarks/evaluate_models.py            # all 16 symbols + tick recordings
    .venv/bin/python benchmarks/evaluate_models.py --symbols BTCUSDT,ETHUSDT --no-ticks --out /tmp/e.md
"""

from __future__ import annotations

import argparse
import functools
import math
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import numpy as np
import yaml
from cryptoscalp_research_optuna.scoring import net_return

from cryptoscalp_core.plugins import default_host
from cryptoscalp_core.ports.model import Model
from cryptoscalp_core.registry import ComponentKind
from cryptoscalp_core.research.dataset import Dataset, build_dataset
from cryptoscalp_core.research.labels import Labels, direction_classes, forward_returns
from cryptoscalp_core.research.metrics import information_coefficient, score
from cryptoscalp_core.research.splits import walk_forward

REPO = Path(__file__).resolve().parents[1]
MS = 1_000_000


@dataclass
class Candidate:
    name: str
    make: Callable[[tuple[str, ...]], Model | None]  # None: a baseline computed from the features
    target: str  # "up" or "label"
    rule: Callable[[Dataset, np.ndarray], np.ndarray] | None = None


@dataclass
class Tally:
    ic: list[float] = field(default_factory=list)
    gross: list[float] = field(default_factory=list)
    net: list[float] = field(default_factory=list)
    turnover: list[float] = field(default_factory=list)
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)


def data_dir() -> Path:
    return Path(os.environ.get("CRYPTOSCALP_DATA", REPO.parent / "shared" / "data")).resolve()


def column(data: Dataset, name: str) -> np.ndarray:
    return data.X[:, data.names.index(name)]


def candidates(host: Any, book: bool, torch_names: list[str]) -> list[Candidate]:
    reg = host.registry

    def component(name: str, **settings: Any) -> Callable[[tuple[str, ...]], Model]:
        spec = reg.get(ComponentKind.MODEL, name)

        def make(names: tuple[str, ...]) -> Model:
            deps = {"features": _Names(names)} if "features" in spec.factory.__code__.co_varnames else {}
            model: Model = spec.factory(spec.config.model_validate(settings), **deps)
            return model
        return make

    out = [
        Candidate("always flat", lambda _n: None, "up", lambda d, rows: np.zeros(len(rows))),
        Candidate("momentum sign (logret_10)", lambda _n: None, "up",
                  lambda d, rows: np.nan_to_num(np.sign(column(d, "logret_10")[rows]))),
        Candidate("momentum sign (logret_240)", lambda _n: None, "up",
                  lambda d, rows: np.nan_to_num(np.sign(column(d, "logret_240")[rows]))),
    ]
    if book:
        out.append(Candidate("baseline-imbalance (ofi_100)", component("baseline-imbalance"), "up"))
    installed = set(reg.names(ComponentKind.MODEL))
    if "online-logistic" in installed:
        out.append(Candidate("online-logistic", component("online-logistic", seed=0), "up"))
    if "jax-mlp" in installed:
        out.append(Candidate("jax-mlp", component("jax-mlp", task="binary", hidden=[32, 16], epochs=20, seed=0), "up"))
    if "jax-online-linear" in installed:
        out.append(Candidate("jax-online-linear", component("jax-online-linear", task="binary", seed=0), "up"))
    for name in torch_names:
        if name in installed:
            out.append(Candidate(name, component(name), "label"))
    return out


@dataclass(frozen=True)
class _Names:
    names: tuple[str, ...]


def labels_for(data: Dataset, rows: np.ndarray, horizon_ns: int, fee: float) -> tuple[Labels, np.ndarray]:
    """Forward returns and fee-aware direction labels of ``rows`` (single instrument)."""
    ts, price = data.price_path(0)
    at = np.searchsorted(ts, data.ts[rows], side="right") - 1
    raw = forward_returns(ts, price, horizon_ns, rows=np.maximum(at, 0))
    fwd = np.where(at >= 0, raw.values, np.nan)
    direction = direction_classes(Labels(fwd, data.ts[rows], data.ts[rows] + horizon_ns), fee_rate=fee)
    return Labels(direction.values, data.ts[rows], data.ts[rows] + horizon_ns), fwd


def evaluate(data: Dataset, rows: np.ndarray, horizon_ns: int, folds: int, args: argparse.Namespace,
             cands: list[Candidate], tallies: dict[str, Tally]) -> None:
    labels, fwd = labels_for(data, rows, horizon_ns, args.fee)
    X = data.X[rows]
    pts, price = data.price_path(0)
    for fold in walk_forward(labels, folds, embargo_ns=horizon_ns):
        test_ts = labels.t0[fold.test]
        for cand in cands:
            tally = tallies.setdefault(cand.name, Tally())
            started = time.perf_counter()
            try:
                if cand.rule is not None:
                    s = cand.rule(data, rows[fold.test])
                else:
                    model = cand.make(data.names)
                    assert model is not None
                    if model.requires_fit:
                        y = labels.values if cand.target == "label" else (labels.values > 0).astype(float)
                        model.fit(X[fold.train], y[fold.train])
                    s = score(model.predict(X[fold.test]), model.signal_kind)
            except Exception as exc:  # a family that cannot run here is reported, never hidden
                tally.errors.append(f"{type(exc).__name__}: {exc}"[:160])
                continue
            s = np.clip(np.nan_to_num(s), -1.0, 1.0)
            tally.ic.append(information_coefficient(s, fwd[fold.test]))
            tally.gross.append(1e4 * net_return(s, test_ts, pts, price, fee_rate=0.0, min_trade_fraction=args.band))
            tally.net.append(1e4 * net_return(s, test_ts, pts, price, fee_rate=args.fee, min_trade_fraction=args.band))
            held_changes = net_return(s, test_ts, pts, np.ones_like(price), fee_rate=-1.0,
                                      min_trade_fraction=args.band)  # fee -1 on a flat price: the turnover
            tally.turnover.append(held_changes)
            tally.seconds += time.perf_counter() - started


def write_profile(tmp: Path, symbol: str, feed: dict[str, Any], quotes: bool) -> Path:
    profile = {
        "name": f"eval-{symbol}", "mode": "backtest",
        "instruments": [{"id": f"binance-usdm:{symbol}", "tick_size": "0.00001", "lot_size": "0.001",
                         "taker_fee": "0.0005", "maker_fee": "0.0002"}],
        "feed": feed,
        "features": {"use": "basic", "ema_spans": [20, 100], "sma_windows": [50], "return_horizons": [10, 40, 240],
                     "flow_windows": [100], "quotes": quotes, **({"ofi_windows": [100]} if quotes else {})},
    }
    path = tmp / f"{symbol}-{abs(hash(str(feed))) % 10**8}.yaml"
    path.write_text(yaml.safe_dump(profile))
    return path


def summarise(tallies: dict[str, Tally]) -> list[list[str]]:
    table = []
    for name, t in tallies.items():
        n = len(t.net)
        if n == 0:
            table.append([name, "0", "n/a", "n/a", "n/a", "n/a", "n/a", "n/a", "; ".join(sorted(set(t.errors)))[:200]])
            continue
        ic = np.array([v for v in t.ic if math.isfinite(v)])
        net = np.array(t.net)
        se = net.std(ddof=1) / math.sqrt(n) if n > 1 else math.nan
        table.append([
            name, str(n),
            f"{ic.mean():+.4f}" if len(ic) else "n/a (constant)",
            f"{np.mean(t.gross):+.1f}", f"{net.mean():+.1f} ± {se:.1f}",
            f"{np.mean(net > 0) * 100:.0f}%", f"{np.mean(t.turnover):.1f}", f"{t.seconds:.0f}",
            "; ".join(sorted(set(t.errors)))[:200]])
    return table


def verdict(title: str, tallies: dict[str, Tally]) -> str:
    """One plain sentence per data set, from the numbers: which models beat flat after fees by more than
    two standard errors of their mean net return, if any."""
    winners = []
    for name, t in tallies.items():
        net = np.array(t.net)
        if len(net) > 1 and name != "always flat":
            se = net.std(ddof=1) / math.sqrt(len(net))
            if net.mean() - 2 * se > 0:
                winners.append(f"{name} ({net.mean():+.1f} ± {se:.1f} bps)")
    if winners:
        return f"* {title}: beating flat after fees by more than two standard errors: {', '.join(winners)}."
    return (f"* {title}: **nothing beats always-flat after fees** (no model's mean net return is above 0 by "
            "more than two standard errors).")


def render(title: str, rows: list[list[str]]) -> str:
    head = ["model", "symbol-folds", "mean IC", "gross (bps/fold)", "net (bps/fold, ± s.e.)", "beats flat",
            "turnover (x/fold)", "fit+predict s", "errors"]
    lines = [f"### {title}", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--symbols", default="", help="comma list (default: every 1m file)")
    parser.add_argument("--bar-horizon", type=int, default=15, help="label horizon in minutes (bars)")
    parser.add_argument("--tick-horizon-ms", type=int, default=5000)
    parser.add_argument("--folds", type=int, default=4)
    parser.add_argument("--fee", type=float, default=0.0005, help="taker fee, fraction of notional")
    parser.add_argument("--band", type=float, default=0.5, help="dead band on target changes (min_trade_fraction)")
    parser.add_argument("--torch", default="torch-mlp,torch-lstm", help="torch families to include if installed")
    parser.add_argument("--no-ticks", action="store_true")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "evaluation.md")
    args = parser.parse_args()
    started = time.perf_counter()
    host = default_host()
    root = data_dir()
    bars = sorted((root / "ohlcv" / "binance-usdm-1m").glob("*-1m.csv.gz"))
    wanted = {s for s in args.symbols.split(",") if s}
    bars = [p for p in bars if not wanted or p.name.split("-")[0] in wanted]
    torch_names = [n for n in args.torch.split(",") if n]
    sections = []
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        tallies: dict[str, Tally] = {}
        cands = candidates(host, book=False, torch_names=torch_names)
        for path in bars:
            symbol = path.name.split("-")[0]
            profile = write_profile(tmp, symbol, {"use": "replay", "path": str(path), "format": "ohlcv"}, quotes=False)
            data = anyio.run(functools.partial(build_dataset, profile, host=host))
            # one decision per bar, at its close print (open + 1 minute - 1 ms)
            rows = np.flatnonzero((data.ts // MS) % 60_000 == 59_999)
            evaluate(data, rows, args.bar_horizon * 60_000 * MS, args.folds, args, cands, tallies)
            print(f"{symbol}: {len(rows):,} bars, {time.perf_counter() - started:.0f} s", file=sys.stderr)
        verdicts = [verdict("1-minute bars", tallies)]
        sections.append(render(f"1-minute bars, {len(bars)} USD-M perpetuals, horizon {args.bar_horizon} min, "
                               f"{args.folds} folds each", summarise(tallies)))
        if not args.no_ticks:
            tallies = {}
            cands = candidates(host, book=True, torch_names=torch_names)
            ticks = root / "binance-usdm" / "hftbacktest"
            for pattern in ("btcusdt_20240808.gz", "ethusdt_20240808.gz", "btcusdt_2023040*.gz"):
                symbol = pattern[:7].upper()
                profile = write_profile(tmp, symbol, {"use": "replay", "path": str(ticks / pattern),
                                                      "format": "binance-ws"}, quotes=True)
                data = anyio.run(functools.partial(build_dataset, profile, host=host))
                rows = np.arange(len(data))
                evaluate(data, rows, args.tick_horizon_ms * MS, args.folds, args, cands, tallies)
                print(f"{pattern}: {len(rows):,} feature rows, {time.perf_counter() - started:.0f} s", file=sys.stderr)
            verdicts.append(verdict("tick recordings", tallies))
            sections.append(render(f"tick recordings (BTCUSDT and ETHUSDT 2024-08-08, BTCUSDT 2023-04-04/05), "
                                   f"horizon {args.tick_horizon_ms} ms, {args.folds} folds each", summarise(tallies)))
    command = "CRYPTOSCALP_DATA=<data folder> .venv/bin/python benchmarks/evaluate_models.py " + " ".join(sys.argv[1:])
    text = TEMPLATE.format(command=command.strip(), fee_bps=args.fee * 1e4, band=args.band,
                           minutes=(time.perf_counter() - started) / 60, sections="\n".join(sections),
                           verdict="\n".join(verdicts))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print(text)


TEMPLATE = """# Model evaluation: walk-forward, out of sample, net of fees

Produced by (about {minutes:.0f} minutes on a busy 2-core machine):

```bash
{command}
```

How it is computed is in the script's docstring; in short: per symbol, purged and embargoed walk-forward
folds, a fresh model trained on each fold's training rows, scored only on its test period; position =
the model's signal as a target fraction with a dead band of {band} (the engine's `min_trade_fraction`),
a taker fee of {fee_bps:.1f} bps on every change of position, no latency, spread or queue (so the full
engine can only do worse). "Always flat" earns exactly 0; "beats flat" is the share of symbol-folds with
a net return above 0. Returns are basis points of the position's notional over one test period.

{sections}
## Reading it

{verdict}

Caveats, read before believing any positive number above: the ± is a standard error that treats the
symbol-folds as independent, but the 16 perpetuals trade the same 30 days and move together, so the
effective sample is far smaller and the error bars are too narrow; nine candidates were compared, so the
best of them is flattered by selection; the account has no latency, spread, slippage or funding. One
month of 1-minute data and about 20 minutes of ticks are a screen, not evidence of a tradable edge: a model
that looks positive here has earned a full-engine backtest on the held-out slice, nothing more.
"""


if __name__ == "__main__":
    main()
