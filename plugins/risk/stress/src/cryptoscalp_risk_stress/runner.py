"""One stress test from a profile: read its market data, pick the portfolio, run the scenarios, report.

The portfolio is, in this order: the positions given on the command line (simulated), the end positions
of the run named with ``--run``, those of the profile's latest finished run in its store when not flat
(current), else the profile's ``trading.max_position`` held long in every instrument (simulated).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from cryptoscalp_core.container import build_components
from cryptoscalp_core.plugins import PluginHost
from cryptoscalp_core.ports.store import Store
from cryptoscalp_core.profile import ResolvedProfile, load_profile
from cryptoscalp_risk_stress.history import MarketHistory, collect
from cryptoscalp_risk_stress.report import write_report
from cryptoscalp_risk_stress.scenarios import Holding, evaluate, standard_scenarios, var_table


@dataclass(frozen=True)
class StressOutcome:
    report: Path
    portfolio: str  #: how the portfolio was chosen
    worst: str  #: the scenario that costs most
    worst_total: float


def parse_positions(specs: list[str]) -> dict[str, Decimal]:
    out = {}
    for spec in specs:
        name, sep, qty = spec.rpartition("=")
        if not sep or not name:
            raise ValueError(f"--position {spec!r}: write INSTRUMENT=QTY, e.g. binance-usdm:BTCUSDT=0.05")
        out[name] = Decimal(qty)
    return out


def _executor_setting(resolved: ResolvedProfile, name: str, default: float) -> float:
    section = resolved.profile.executor
    value = section.settings.get(name) if section is not None else None
    return float(value) if value is not None else default


def choose_portfolio(resolved: ResolvedProfile, store: Store, positions: dict[str, Decimal], run_id: str,
                     ) -> tuple[dict[str, Decimal], float, str]:
    """(quantities by instrument, equity, how they were chosen)."""
    balance = _executor_setting(resolved, "initial_balance", 10_000.0)
    known = {i.id for i in resolved.instruments}
    unknown = sorted(set(positions) - known)
    if unknown:
        raise ValueError(f"--position names instruments not in the profile: {unknown}")
    if positions:
        return positions, balance, "simulated (command line)"
    name = resolved.profile.name
    runs = [store.get_run(run_id)] if run_id else [r for r in store.list_runs(200)
                                                  if r.profile_name == name and r.status == "finished"]
    for run in runs:
        if run is None:
            raise ValueError(f"no run {run_id!r} in the profile's store")
        held = {p.instrument_id: p.qty for p in store.positions(run.run_id) if p.qty}
        equity = float(run.summary.get("initial_balance", balance)) + float(run.summary.get("net_pnl", 0.0))
        if held or run_id:
            return held, equity, f"current: end of run {run.run_id}"
    size = resolved.profile.trading.max_position
    return {i.id: Decimal(size) for i in resolved.instruments}, balance, "simulated (trading.max_position long)"


async def run_stress(profile: Path, host: PluginHost, *, output_dir: Path, positions: list[str], run_id: str = "",
                     max_events: int | None = None) -> StressOutcome:
    resolved = load_profile(profile, host.registry, resolver=host.hook.cryptoscalp_resolve_instrument)
    _, components = build_components(resolved, host)
    if components.feed is None:
        raise ValueError(f"{profile} has no feed: the stress test reads its market data from the profile's feed")
    store = components.store
    store.migrate()
    try:
        quantities, equity, origin = choose_portfolio(resolved, store, parse_positions(positions), run_id)
    finally:
        store.close()
    ids = [i.id for i in resolved.instruments]
    await components.feed.start()
    try:
        history: MarketHistory = await collect(components.feed.batches(), ids, max_events)
    finally:
        await components.feed.stop()
    holdings = []
    for k, inst in enumerate(resolved.instruments):
        if quantities.get(inst.id) and len(history.close[k]):
            holdings.append(Holding(inst.id, float(quantities[inst.id]), float(history.close[k][-1]),
                                    float(inst.contract_multiplier)))
    mmr = _executor_setting(resolved, "maintenance_margin_rate", 0.005)
    results = [evaluate(s, holdings, history, equity, mmr) for s in standard_scenarios(history, holdings)]
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    name = resolved.profile.name or profile.stem
    meta: dict[str, Any] = {"profile": str(profile), "portfolio": origin, "maintenance margin rate": mmr,
                            "instruments": ", ".join(ids),
                            "seconds of data": ", ".join(str(len(c)) for c in history.close)}
    path = write_report(output_dir / f"stress-{name}-{stamp}" / "report.html", title=f"Stress test {name}",
                        meta=meta, holdings=holdings, equity=equity, results=results,
                        var_rows=var_table(history, holdings), history=history)
    worst = min(results, key=lambda r: r.total) if results else None
    return StressOutcome(path, origin, worst.scenario.name if worst else "", worst.total if worst else 0.0)
