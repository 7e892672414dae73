"""The stress report: one self-contained HTML file with PNG charts embedded (matplotlib, Agg)."""

from __future__ import annotations

import base64
import html
import io
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from cryptoscalp_risk_stress.history import MarketHistory
from cryptoscalp_risk_stress.scenarios import Holding, ScenarioResult


def _png(fig: Any) -> str:
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode()


def scenario_chart(results: Sequence[ScenarioResult], equity: float) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (pnl_ax, eq_ax) = plt.subplots(1, 2, figsize=(12, 0.45 * len(results) + 1.5), sharey=True)
    names = [r.scenario.name for r in results]
    y = np.arange(len(results))
    totals = [r.total for r in results]
    pnl_ax.barh(y, totals, color=["#d73027" if t < 0 else "#1a9850" for t in totals])
    pnl_ax.set_yticks(y, names)
    pnl_ax.invert_yaxis()
    pnl_ax.set_xlabel("scenario PnL incl. exit and offline costs")
    eq_ax.barh(y, [r.equity_after for r in results], color="#4575b4", label="equity after")
    eq_ax.scatter([r.maintenance_after for r in results], y, marker="|", s=200, color="#d73027",
                  label="maintenance margin", zorder=3)
    eq_ax.axvline(equity, color="#333333", linewidth=0.8, linestyle="--", label="equity now")
    eq_ax.set_xlabel("quote currency")
    eq_ax.legend(loc="lower right", fontsize=8)
    for ax in (pnl_ax, eq_ax):
        ax.grid(True, axis="x", alpha=0.3)
    return _png(fig)


def price_chart(history: MarketHistory, results: Sequence[ScenarioResult]) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = max(1, len(history.instruments))
    fig, axes = plt.subplots(n, 2, figsize=(12, 3 * n), squeeze=False)
    for k, name in enumerate(history.instruments):
        ts = np.asarray(history.seconds[k] * 1_000_000_000, dtype="datetime64[ns]")
        ax = axes[k][0]
        ax.plot(ts, history.close[k], color="#333333", linewidth=0.8)
        ax.set_title(f"{name}: one-second closes and historical shock windows", fontsize=9)
        for r in results:
            at = r.scenario.when.get(name)
            if at:
                window = r.scenario.window_s
                ax.axvspan(np.datetime64(at * 1_000_000_000, "ns"), np.datetime64((at + window) * 1_000_000_000, "ns"),
                           color="#d73027", alpha=0.3)
        returns = history.returns(k)
        hist_ax = axes[k][1]
        if len(returns) > 2:
            hist_ax.hist(returns * 1e4, bins=60, color="#4575b4")
            q = np.quantile(returns, [0.01, 0.99]) * 1e4
            for x in q:
                hist_ax.axvline(x, color="#d73027", linestyle="--", linewidth=0.8)
        hist_ax.set_title("one-second returns (bps) with 1 % / 99 % quantiles", fontsize=9)
        ax.grid(True, alpha=0.3)
        hist_ax.grid(True, alpha=0.3)
    return _png(fig)


def _money(x: float) -> str:
    return "n/a" if not math.isfinite(x) else f"{x:,.2f}"


def write_report(path: Path, *, title: str, meta: Mapping[str, Any], holdings: Sequence[Holding], equity: float,
                 results: Sequence[ScenarioResult], var_rows: Sequence[tuple[str, str, int, float, float]],
                 history: MarketHistory) -> Path:
    e = html.escape
    hold = "".join(f"<tr><td>{e(h.instrument_id)}</td><td>{h.qty:g}</td><td>{h.price:,.2f}</td>"
                   f"<td>{_money(h.notional)}</td></tr>" for h in holdings)
    rows = "".join(
        f"<tr><td>{e(r.scenario.name)}</td><td>{e(r.scenario.kind)}</td><td>{e(r.scenario.description)}</td>"
        f"<td>{_money(r.price_pnl)}</td><td>{_money(r.exit_cost)}</td><td>{_money(r.offline_loss)}</td>"
        f"<td>{_money(r.total)}</td><td>{_money(r.equity_after)}</td><td>{r.margin_ratio_after:.4g}</td>"
        f"<td>{'<b>yes</b>' if r.liquidated else 'no'}</td></tr>" for r in results)
    vr = "".join(f"<tr><td>{e(s)}</td><td>{m}</td><td>{h}</td><td>{_money(v)}</td><td>{_money(es)}</td></tr>"
                 for s, m, h, v, es in var_rows)
    info = "".join(f"<tr><th>{e(str(k))}</th><td>{e(str(v))}</td></tr>" for k, v in meta.items())
    charts = (f'<img alt="scenario PnL and equity" src="data:image/png;base64,{scenario_chart(results, equity)}">'
              if results else "<p>No scenarios.</p>")
    prices = f'<img alt="prices and returns" src="data:image/png;base64,{price_chart(history, results)}">'
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{e(title)}</title>
<style>body{{font-family:system-ui,sans-serif;margin:2em;max-width:1250px}}table{{border-collapse:collapse}}
th,td{{padding:3px 10px;border-bottom:1px solid #ddd;text-align:left}}td{{font-variant-numeric:tabular-nums}}
img{{max-width:100%;border:1px solid #ccc}}</style></head><body>
<h1>{e(title)}</h1>
<h2>Portfolio</h2><p>Equity {_money(equity)}</p>
<table><tr><th>instrument</th><th>quantity</th><th>price</th><th>notional</th></tr>{hold}</table>
<h2>Scenarios</h2>
<table><tr><th>scenario</th><th>kind</th><th>what</th><th>price PnL</th><th>exit cost</th><th>offline loss</th>
<th>total</th><th>equity after</th><th>margin ratio after</th><th>liquidated</th></tr>{rows}</table>
{charts}
<h2>Value at risk (99 %)</h2>
<table><tr><th>scope</th><th>method</th><th>horizon (s)</th><th>VaR</th><th>expected shortfall</th></tr>{vr}</table>
<h2>Market data</h2>{prices}
<h2>Run</h2><table>{info}</table>
</body></html>
""")
    return path
