"""The HTML report of a backtest: summary table plus charts a person looks at.

Charts are drawn with matplotlib (Agg, no display) into one PNG embedded in a self-contained HTML file:
price with buy/sell markers, position, equity, drawdown.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

LABELS = {
    "net_pnl": ("Net PnL", "{:,.2f}"), "fees": ("Fees", "{:,.2f}"), "funding": ("Funding", "{:,.2f}"),
    "trades": ("Trades (fills)", "{:,}"), "orders": ("Orders", "{:,}"), "win_rate": ("Win rate", "{:.1%}"),
    "sharpe": ("Sharpe (annualised)", "{:.2f}"), "max_drawdown": ("Max drawdown", "{:,.2f}"),
    "max_drawdown_pct": ("Max drawdown %", "{:.2f}%"), "turnover": ("Turnover (x balance)", "{:.2f}"),
    "events": ("Events", "{:,}"), "events_per_s": ("Events/s", "{:,.0f}"),
    "simulated_s": ("Simulated time (s)", "{:,.1f}"), "wall_s": ("Wall time (s)", "{:.2f}"),
    "decision_p50_us": ("Decision path p50 (µs)", "{:.1f}"), "decision_p99_us": ("Decision path p99 (µs)", "{:.1f}"),
}


def format_value(key: str, value: Any) -> str:
    fmt = LABELS.get(key, (key, "{}"))[1]
    try:
        return fmt.format(value)
    except (ValueError, TypeError):
        return str(value)


def render_chart(series: Mapping[str, npt.NDArray[Any]], fills: Mapping[str, npt.NDArray[Any]],
                 initial_balance: float) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ts = np.asarray(series["ts"], dtype="datetime64[ns]")
    fig, axes = plt.subplots(4, 1, figsize=(12, 10), sharex=True,
                             gridspec_kw={"height_ratios": [3, 1, 2, 1]})
    price_ax, pos_ax, eq_ax, dd_ax = axes
    price_ax.plot(ts, series["price"], color="#333333", linewidth=0.8, label="price")
    if len(fills.get("ts", [])):
        fts = np.asarray(fills["ts"], dtype="datetime64[ns]")
        buy = fills["side"] > 0
        price_ax.scatter(fts[buy], fills["price"][buy], marker="^", color="#1a9850", s=18, label="buy", zorder=3)
        price_ax.scatter(fts[~buy], fills["price"][~buy], marker="v", color="#d73027", s=18, label="sell", zorder=3)
    price_ax.set_ylabel("price")
    price_ax.legend(loc="upper left", fontsize=8)
    pos_ax.step(ts, series["position"], where="post", color="#4575b4", linewidth=0.8)
    pos_ax.set_ylabel("position")
    equity = initial_balance + np.asarray(series["pnl"], dtype=np.float64)
    eq_ax.plot(ts, equity, color="#542788", linewidth=0.9)
    eq_ax.set_ylabel("equity")
    drawdown = equity - np.maximum.accumulate(equity) if len(equity) else equity
    dd_ax.fill_between(ts, drawdown, 0, color="#d73027", alpha=0.4, step="post")
    dd_ax.set_ylabel("drawdown")
    for ax in axes:
        ax.grid(True, alpha=0.3)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig)
    return buffer.getvalue()


def risk_layer_table(layers: Mapping[str, Mapping[str, Any]]) -> str:
    """What each risk layer allowed, resized and rejected (stack order), with its rejection reasons."""
    if not layers:
        return "<p>No risk layers.</p>"
    rows = []
    for name, c in layers.items():
        reasons = ", ".join(f"{r}: {n:,}" for r, n in (c.get("reasons") or {}).items()) or "—"
        actions = ", ".join(f"{r}: {n:,}" for r, n in (c.get("protective") or {}).items()) or "—"
        rows.append(f"<tr><th>{html.escape(str(name))}</th><td>{int(c.get('allowed', 0)):,}</td>"
                    f"<td>{int(c.get('resized', 0)):,}</td><td>{int(c.get('rejected', 0)):,}</td>"
                    f"<td>{html.escape(reasons)}</td><td>{html.escape(actions)}</td></tr>")
    return ("<table><tr><th>layer</th><th>allowed</th><th>resized</th><th>rejected</th><th>rejections by reason"
            "</th><th>protective actions</th></tr>" + "".join(rows) + "</table>")


def write_report(path: Path, *, run: Mapping[str, Any], summary: Mapping[str, Any],
                 series: Mapping[str, npt.NDArray[Any]], fills: Mapping[str, npt.NDArray[Any]],
                 initial_balance: float) -> Path:
    png = render_chart(series, fills, initial_balance) if len(series.get("ts", [])) else b""
    path.parent.mkdir(parents=True, exist_ok=True)
    if png:
        path.with_suffix(".png").write_bytes(png)
    rows = "\n".join(f"<tr><th>{html.escape(LABELS[k][0])}</th><td>{html.escape(format_value(k, summary[k]))}</td></tr>"
                     for k in LABELS if k in summary)
    rejections = summary.get("risk_rejections") or {}
    rej = "".join(f"<li>{html.escape(k)}: {v}</li>" for k, v in sorted(rejections.items())) or "<li>none</li>"
    meta = "".join(f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>" for k, v in run.items())
    image = (f'<img alt="price, position, equity and drawdown" src="data:image/png;base64,'
             f'{base64.b64encode(png).decode()}">' if png else "<p>No price samples were recorded.</p>")
    title = html.escape(str(run.get("run_id", "")))
    path.write_text(f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>cryptoscalp backtest {title}</title>
<style>body{{font-family:system-ui,sans-serif;margin:2em;max-width:1250px}}table{{border-collapse:collapse}}
th,td{{padding:3px 12px;border-bottom:1px solid #ddd;text-align:left}}td{{font-variant-numeric:tabular-nums}}
img{{max-width:100%;border:1px solid #ccc}}</style></head><body>
<h1>Backtest {html.escape(str(run.get('run_id', '')))}</h1>
<h2>Summary</h2><table>{rows}</table>
<h2>Risk rejections</h2><ul>{rej}</ul>
<h2>Risk layers</h2>{risk_layer_table(summary.get("risk_layers") or {})}
<h2>Charts</h2>{image}
<h2>Run</h2><table>{meta}</table>
</body></html>
""")
    return path
