"""Trials per hour of `cryptoscalp optimize` workers: 1 vs 2 workers sharing one study (the first
worker runs in the calling process, the second in a spawned one, as `--workers 2` does).

Each trial of the cheap objective (``cryptoscalp_research_optuna.synthetic``) burns ``--work-ms`` of CPU;
the storage is a fresh SQLite file (default) or ``--storage postgresql+psycopg://...``. Target: 2 workers
reach at least 1.8 x the trials per hour of 1 (needs two idle cores: on a busy machine the figure falls
with the CPU left over, so the script prints the load average beside it).

    .venv/bin/python benchmarks/optuna_scaling.py --trials 40 --work-ms 200
"""

from __future__ import annotations

import argparse
import functools
import os
import tempfile
import time
import uuid
from pathlib import Path

from cryptoscalp_research_optuna.study import WorkerSpec, open_study, run_workers, storage_for
from cryptoscalp_research_optuna.synthetic import quadratic


def trials_per_hour(url: str, workers: int, trials: int, work_ms: float) -> tuple[float, float]:
    """(including process start-up, steady state between the first trial's start and the last's end)"""
    name = f"scaling-{workers}-{uuid.uuid4().hex[:8]}"
    open_study(storage_for(url), name, seed=0, pruner="none")
    spec = WorkerSpec(storage_url=url, study=name, n_trials=trials,
                      objective=functools.partial(quadratic, work_ms), seed=0, pruner="none")
    started = time.perf_counter()
    run_workers(spec, workers)
    elapsed = time.perf_counter() - started
    import optuna

    done = optuna.load_study(study_name=name, storage=storage_for(url)).trials
    first = min(t.datetime_start for t in done if t.datetime_start)
    last = max(t.datetime_complete for t in done if t.datetime_complete)
    return len(done) / elapsed * 3600.0, len(done) / (last - first).total_seconds() * 3600.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=40)
    parser.add_argument("--work-ms", type=float, default=200.0)
    parser.add_argument("--storage", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.storage or f"sqlite:///{Path(tmp) / 'optuna.db'}"
        print(f"cpus {os.cpu_count()}, load average {os.getloadavg()[0]:.2f}, {args.trials} trials of "
              f"{args.work_ms:.0f} ms CPU, storage {url.split(':')[0]}")
        one = trials_per_hour(url, 1, args.trials, args.work_ms)
        two = trials_per_hour(url, 2, args.trials, args.work_ms)
        # process start-up (spawn + imports) is part of the 2-worker figure, as it is for a user
        print(f"{'':10}{'with start-up':>16}{'steady state':>16}  trials/hour")
        print(f"1 worker {one[0]:16,.0f}{one[1]:16,.0f}")
        print(f"2 workers{two[0]:16,.0f}{two[1]:16,.0f}")
        print(f"speed-up {two[0] / one[0]:15.2f}x{two[1] / one[1]:15.2f}x  (target >= 1.80x)")
        print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
