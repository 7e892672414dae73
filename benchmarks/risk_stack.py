#!/usr/bin/env python3
"""How long the risk stack takes to check one order intent (target: p99 <= 20 us for seven layers).

Builds the risk layers of a profile (default ``examples/profiles/risk-stack.yaml``: all seven) through the
plugin host exactly as a backtest does, wraps them in the engine's ``RiskStack``, gives it a market view
with ten minutes of one-second bars, an account with a position and resting orders, and checks a
stream of buy and sell intents one simulated second apart (so no duration-based limit short-circuits
them). Each tick closes a one-second bar, so the market view recomputes its statistics (on the
market-data path, outside the timing) before every check: the check runs with caches that work just
evicted, the worst case. Prints p50 / p99 / max of ``RiskStack.check`` alone, of ``prepare + check``
(the engine's decision-time cost), and of each layer as the stack calls it (``check_fast`` with the
stack's ``IntentView`` where the layer has it, else ``check``; the view's own cost on its line); then
the same for the two-layer stack of the quickstart for comparison. The first ``--warmup`` intents (default
1,000) are checked the same way but left out of the figures: they fill the interpreter's and the CPU's
caches and the layers' memos, which a stack checking intents for hours has done long before. Each figure
is given twice:
wall-clock, and the thread's CPU time (``CLOCK_THREAD_CPUTIME_ID``), which leaves out the time the
thread was preempted — on a shared CPU the wall-clock tail is mostly other processes; compare within
one run.

    python benchmarks/risk_stack.py [--intents 20000] [--warmup 1000] [--rounds 5]
                                    [--profile examples/profiles/risk-stack.yaml]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from decimal import Decimal
from pathlib import Path

import msgspec
import numpy as np

from cryptoscalp_core.container import build_container
from cryptoscalp_core.domain.events import EventKind, empty
from cryptoscalp_core.domain.orders import Order, OrderRequest, OrderSide, OrderStatus, OrderType
from cryptoscalp_core.domain.positions import Position
from cryptoscalp_core.engine.risk_stack import RiskStack
from cryptoscalp_core.plugins import default_host
from cryptoscalp_core.ports.market_feed import EventBatch
from cryptoscalp_core.ports.risk import FastCheck, IntentView, PortfolioState, RiskLayer
from cryptoscalp_core.profile import load_profile

HERE = Path(__file__).resolve().parent
S = 1_000_000_000


def layers_of(profile: Path) -> tuple[list[RiskLayer], tuple]:  # type: ignore[type-arg]
    host = default_host()
    resolved = load_profile(profile, host.registry, resolver=host.hook.cryptoscalp_resolve_instrument)
    return list(build_container(resolved, host).risk()), resolved.instruments


def stats(ns: np.ndarray) -> str:
    us = ns / 1e3
    return f"p50 {np.percentile(us, 50):7.2f} us   p99 {np.percentile(us, 99):7.2f} us   max {us.max():8.1f} us"


def run(profile: Path, n: int, warmup: int = 0, quiet: bool = False) -> float:
    """Check ``n`` intents through ``profile``'s stack; print the figures (unless ``quiet``) and return
    ``RiskStack.check``'s p99 in CPU time, in us."""
    layers, instruments = layers_of(profile)
    inst = instruments[0]
    stack = RiskStack(layers, instruments, resize=lambda r, q: msgspec.structs.replace(r, qty=q),
                      initial_balance=10_000, maintenance_margin_rate=0.005)
    rng = np.random.default_rng(1)
    rows = empty(EventKind.TRADE, 6000)
    rows["ts_event"] = rows["ts_recv"] = np.arange(6000, dtype=np.int64) * (S // 10)
    rows["price"] = 60_000 * np.exp(np.cumsum(rng.normal(0, 5e-5, 6000)))
    rows["qty"] = 0.01
    stack.observe(EventBatch(EventKind.TRADE, rows))
    pos = Position(inst.id)
    pos.qty = Decimal("0.004")
    pos.avg_entry_price = Decimal(60_000)
    resting = {f"r{i}": Order(request=OrderRequest(client_order_id=f"r{i}", instrument_id=inst.id,
                                                   side=OrderSide.BUY, type=OrderType.LIMIT, qty=Decimal("0.001"),
                                                   price=Decimal("59990")), status=OrderStatus.NEW)
               for i in range(3)}
    mid = inst.round_price(Decimal(repr(float(rows["price"][-1]))))
    t0 = int(rows["ts_recv"][-1])
    tick = empty(EventKind.TRADE, 1)  # one trade per intent keeps the data fresh (observed outside the timing)
    tick["price"], tick["qty"] = float(mid), 0.01
    check_ns = np.empty(n, dtype=np.int64)
    total_ns = np.empty(n, dtype=np.int64)
    check_cpu = np.empty(n, dtype=np.int64)
    total_cpu = np.empty(n, dtype=np.int64)
    wall, cpu = time.perf_counter_ns, time.thread_time_ns
    per_layer = {name: [] for name in ("(intent view)", *stack.names)}  # type: ignore[var-annotated]
    timed = [(name, isinstance(layer, FastCheck), layer) for name, layer in zip(stack.names, layers, strict=True)]
    gc.disable()
    try:
        for i in range(n):
            side = OrderSide.BUY if i % 2 else OrderSide.SELL
            request = OrderRequest(client_order_id=f"b{i}", instrument_id=inst.id, side=side, type=OrderType.LIMIT,
                                   qty=Decimal("0.010") if i % 3 else Decimal("0.003"),
                                   price=mid - Decimal(5) if side is OrderSide.BUY else mid + Decimal(5),
                                   ts_created=t0 + i * S)
            tick["ts_event"] = tick["ts_recv"] = t0 + i * S
            stack.observe(EventBatch(EventKind.TRADE, tick))
            began, began_cpu = wall(), cpu()
            state = stack.prepare(PortfolioState(ts_ns=t0 + i * S, instruments={inst.id: inst},
                                                 positions={inst.id: pos}, open_orders=resting,
                                                 mid_prices={inst.id: mid}, mark_prices={inst.id: mid}))
            mid_ns, mid_cpu = wall(), cpu()
            stack.check(request, state)
            done, done_cpu = wall(), cpu()
            check_ns[i], total_ns[i] = done - mid_ns, done - began
            check_cpu[i], total_cpu[i] = done_cpu - mid_cpu, done_cpu - began_cpu
            if i % 10 == 0 and i >= warmup:  # per-layer timing on a sample, outside the stack, as the stack calls them
                a = cpu()
                view = IntentView.of(request, state)
                per_layer["(intent view)"].append(cpu() - a)
                for name, fast, layer in timed:
                    a = cpu()
                    if fast:
                        layer.check_fast(request, state, view)
                    else:
                        layer.check(request, state)
                    per_layer[name].append(cpu() - a)
    finally:
        gc.enable()
    check_ns, total_ns, check_cpu, total_cpu = (a[warmup:] for a in (check_ns, total_ns, check_cpu, total_cpu))
    p99 = float(np.percentile(check_cpu / 1e3, 99))
    if quiet:
        print(f"    round: p50 {np.percentile(check_cpu / 1e3, 50):6.2f} us   p99 {p99:6.2f} us")
        return p99
    print(f"{profile.name}: {len(layers)} layers, {n:,} intents, the first {warmup:,} not timed")
    print(f"  RiskStack.check      wall {stats(check_ns)}")
    print(f"                       cpu  {stats(check_cpu)}")
    print(f"  prepare + check      wall {stats(total_ns)}")
    print(f"                       cpu  {stats(total_cpu)}")
    print("  per layer (cpu, every tenth intent checked again outside the stack, as the stack calls it):")
    for name, values in per_layer.items():
        print(f"    {name:22s} {stats(np.asarray(values))}")
    outcome = stack.summary()
    print("  decisions: " + ", ".join(f"{k} {v['allowed']}/{v['resized']}/{v['rejected']}" for k, v in outcome.items()))
    return p99


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--intents", type=int, default=20_000)
    parser.add_argument("--warmup", type=int, default=1_000, help="intents checked first and left out of the figures")
    parser.add_argument("--profile", type=Path, default=HERE.parent / "examples" / "profiles" / "risk-stack.yaml")
    parser.add_argument("--rounds", type=int, default=5, help="runs of the profile's stack, each built afresh "
                        "(the first printed in full, each round's RiskStack.check figures, then their median p99)")
    args = parser.parse_args()
    if not 0 <= args.warmup < args.intents:
        parser.error("--warmup must be at least 0 and less than --intents")
    p99s = [run(args.profile, args.intents, args.warmup)]
    if args.rounds > 1:
        print(f"  {args.rounds} rounds of {args.profile.name}, RiskStack.check (cpu):")
        print(f"    round: p50 {'(above)':>9}   p99 {p99s[0]:6.2f} us")
        p99s += [run(args.profile, args.intents, args.warmup, quiet=True) for _ in range(args.rounds - 1)]
        print(f"  median p99 over {args.rounds} rounds: {statistics.median(p99s):.2f} us "
              f"(range {min(p99s):.2f}-{max(p99s):.2f}; one round's p99 is at the mercy of whatever else the "
              "machine runs in its few seconds)")
    run(HERE.parent / "examples" / "profiles" / "quickstart.yaml", args.intents, args.warmup)


if __name__ == "__main__":
    main()
