"""One backtest from a profile file: assemble, run, store, summarise, report."""

from __future__ import annotations

import hashlib
import json
import secrets
import time
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from cryptoscalp_core.clocks import SimulatedClock
from cryptoscalp_core.container import build_components
from cryptoscalp_core.domain.orders import Fill
from cryptoscalp_core.engine.backtest import BacktestEngine
from cryptoscalp_core.engine.lane_records import LaneBlock
from cryptoscalp_core.engine.recorder import RunRecorder
from cryptoscalp_core.engine.report import write_report
from cryptoscalp_core.engine.results import FillValues, summarize
from cryptoscalp_core.plugins import PluginHost, default_host
from cryptoscalp_core.ports.model import Model
from cryptoscalp_core.ports.store import RunRecord
from cryptoscalp_core.profile import ProfileError, ProfileIssue, ResolvedProfile, load_profile


class BacktestSetupError(RuntimeError):
    """The profile is valid but cannot run as a backtest (missing stage, non-simulated executor…)."""


@dataclass(frozen=True, slots=True)
class BacktestResult:
    run_id: str
    summary: dict[str, Any]
    report: Path
    series: Path


def new_run_id(now_ns: int | None = None) -> str:
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime((now_ns or time.time_ns()) / 1e9))
    return f"bt-{stamp}-{secrets.token_hex(3)}"


def profile_digest(resolved: ResolvedProfile) -> str:
    text = json.dumps(resolved.profile.redacted(), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _require(resolved: ResolvedProfile) -> None:
    missing = [name for name in ("feed", "features", "model", "executor") if name not in resolved.components]
    issues = [ProfileIssue(name, f"a backtest needs a {name} component") for name in missing]
    if resolved.profile.mode != "backtest":
        issues.append(ProfileIssue("mode", "cryptoscalp backtest runs profiles with mode: backtest",
                                   resolved.profile.mode))
    if issues:
        raise ProfileError(issues, resolved.source)


def series_path(output_dir: Path, run_id: str) -> Path:
    return output_dir / run_id / "series.npz"


async def run_backtest(profile_path: str | Path, *, host: PluginHost | None = None,
                       output_dir: Path = Path("runs"),
                       progress: Callable[[int], None] | None = None,
                       model: Model | None = None, report: bool = True) -> BacktestResult:
    """Run the backtest a profile describes. ``model``, when given, replaces the profile's model component
    (``cryptoscalp train`` backtests the model it just trained this way); ``report=False`` skips the HTML
    report (``cryptoscalp report RUN`` can write it later from the stored summary and series)."""
    host = host or default_host()
    resolved = load_profile(profile_path, host.registry, resolver=host.hook.cryptoscalp_resolve_instrument)
    _require(resolved)
    _, components = build_components(resolved, host)
    if model is not None:
        components.model = model
    assert components.feed and components.features and components.model and components.executor
    venue = getattr(components.executor, "venue", None)
    if venue is None or not isinstance(components.clock, SimulatedClock):
        raise BacktestSetupError("a backtest needs the simulated executor (executor: {use: sim}) and the "
                                 "simulated clock")
    if components.model.requires_fit:
        raise BacktestSetupError(f"model {resolved.components['model'].spec.name!r} must be trained or loaded "
                                 "before a backtest; use a rule model or load a trained one")
    store = components.store
    run_id = new_run_id()
    recorder = RunRecorder(store, run_id)
    recorder.open()  # a table writer's process starts while the store migrates and the run starts
    try:
        store.migrate()
        record = RunRecord(run_id=run_id, mode="backtest",
                           profile_name=resolved.profile.name or Path(profile_path).stem,
                           profile_digest=profile_digest(resolved), started_ns=time.time_ns())
        store.start_run(record)
        host.notify("cryptoscalp_run_started", run=record)
        engine = BacktestEngine(run_id=run_id, instruments=resolved.instruments, feed=components.feed,
                                features=components.features, model=components.model, risk=components.risk,
                                venue=venue, recorder=recorder, clock=components.clock,
                                trading=resolved.profile.trading, plugins=host)
    except BaseException:
        recorder.close()
        raise
    try:
        # the table writer writes the run's last rows while the summary, series and report are made
        stats = await engine.run(progress, wait_for_store=False)
        summary, series, fill_arrays = run_results(engine, venue, resolved, stats)
        path = save_series(output_dir, run_id, series, fill_arrays)
        run_meta = {"run_id": run_id, "profile": str(profile_path), "profile_digest": record.profile_digest,
                    "instruments": ", ".join(i.id for i in resolved.instruments),
                    "components": ", ".join(f"{k}={c.spec.name}" for k, c in resolved.components.items())}
        report_path = output_dir / run_id / "report.html"
        summary["report"] = str(report_path)
        if report:
            write_report(report_path, run=run_meta, summary=summary, series=series, fills=fill_arrays,
                         initial_balance=summary["initial_balance"])
        recorder.wait()  # every order and fill is in the store before the run is marked finished
        summary["persist_s"] = recorder.busy_s
    except BaseException:
        recorder.close()
        store.finish_run(run_id, status="failed", finished_ns=time.time_ns())
        record.status = "failed"
        host.notify("cryptoscalp_run_stopped", run=record)
        raise
    summary["series"] = str(path)
    summary["run"] = run_meta
    store.save_positions(run_id, list(venue.positions.values()), stats.last_ts)
    store.finish_run(run_id, status="finished", finished_ns=time.time_ns(), summary=summary)
    record.status = "finished"
    record.summary = summary
    host.notify("cryptoscalp_run_stopped", run=record)
    return BacktestResult(run_id, summary, Path(summary["report"]), path)


def fill_values(log: Iterable[Fill | LaneBlock]) -> FillValues:
    """A fill log (fills, and the taker fast lane's blocks) as the summary's parallel lists."""
    out = FillValues()
    for item in log:
        if isinstance(item, LaneBlock):
            item.add_fill_values(out)
        else:
            out.append(item.instrument_id, item.side.sign, item.price, item.qty, item.fee, item.ts_recv)
    return out


def run_results(engine: BacktestEngine, venue: Any, resolved: ResolvedProfile,
                stats: Any) -> tuple[dict[str, Any], dict[str, npt.NDArray[Any]], dict[str, npt.NDArray[Any]]]:
    """The summary of a finished run (backtest or paper), its sampled series and its fills as arrays."""
    series = engine.sampler.arrays()
    fills = fill_values(engine.portfolio.fills)
    fill_arrays: dict[str, npt.NDArray[Any]] = {
        "ts": np.asarray(fills.ts_recv, dtype=np.int64),
        "price": np.asarray(list(map(float, fills.prices)), dtype=np.float64),
        "qty": np.asarray(list(map(float, fills.qtys)), dtype=np.float64),
        "side": np.asarray(fills.signs, dtype=np.int8),
    }
    last_prices = {inst.id: float(engine.portfolio.last_price[i]) for i, inst in enumerate(resolved.instruments)}
    initial_balance = float(getattr(venue, "balance_initial", getattr(venue.config, "initial_balance", 0.0)))
    summary = summarize(positions=venue.positions, last_prices=last_prices, fills=fills, series=series,
                        initial_balance=initial_balance, step_ms=resolved.profile.trading.equity_sample_ms,
                        events=stats.events, wall_s=stats.wall_s, decision_ns=stats.decision_ns,
                        orders=stats.orders_sent, risk_rejections=stats.risk_rejections,
                        span_ns=max(0, stats.last_ts - stats.first_ts))
    summary["initial_balance"] = initial_balance
    summary["risk_layers"] = engine.risk_stack.summary()
    summary["decisions"] = stats.decisions
    summary["persist_s"] = getattr(stats, "persist_s", 0.0)
    lane = getattr(engine, "lane", None)
    if lane is not None:
        summary["fast_lane"] = {"decisions": lane.decisions, "calls": lane.calls, "stops": dict(lane.stops)}
    return summary, series, fill_arrays


def save_series(output_dir: Path, run_id: str, series: dict[str, npt.NDArray[Any]],
                fill_arrays: dict[str, npt.NDArray[Any]]) -> Path:
    path = series_path(output_dir, run_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays: dict[str, npt.NDArray[Any]] = {**series, **{f"fill_{k}": v for k, v in fill_arrays.items()}}
    # an .npz as np.savez_compressed writes it (np.load reads it), at deflate level 1: a third of the time
    # of the default level for a file ~10 % larger (a run's fill prices barely compress either way)
    tmp = path.with_name(f".{path.name}.tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, values in arrays.items():
            with archive.open(f"{name}.npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, np.asanyarray(values), allow_pickle=False)
    tmp.replace(path)
    return path


def reopen_report(summary: dict[str, Any], output_dir: Path) -> Path:
    """Rewrite a run's HTML report from its stored summary and saved series."""
    data = np.load(summary["series"])
    series = {k: data[k] for k in ("ts", "price", "position", "pnl")}
    fills = {k[5:]: data[k] for k in data.files if k.startswith("fill_")}
    return write_report(Path(summary["report"]), run=summary.get("run", {}), summary=summary, series=series,
                        fills=fills, initial_balance=float(summary.get("initial_balance", 0.0)))
