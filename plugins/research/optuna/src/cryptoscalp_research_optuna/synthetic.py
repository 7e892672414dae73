"""A cheap objective with a known optimum, for checking a storage or a cluster of workers (and for the
scaling benchmark): it burns ``work_ms`` of CPU, then scores a quadratic peaking at x = 0.3, y = -0.2.

``wait_for_workers`` holds each trial (at most a minute) until that many processes have started trials
of the study, so a check that every worker takes part does not depend on how fast workers start up."""

from __future__ import annotations

import os
import time

import optuna


class QuadraticObjective:
    def __init__(self, work_ms: float = 50.0, wait_for_workers: int = 0) -> None:
        self.work_ms = work_ms
        self.wait_for_workers = wait_for_workers

    def __call__(self, trial: optuna.Trial) -> float:
        x = trial.suggest_float("x", -1.0, 1.0)
        y = trial.suggest_float("y", -1.0, 1.0)
        trial.set_user_attr("pid", os.getpid())
        deadline = time.monotonic() + 60.0
        while self.wait_for_workers > 1 and time.monotonic() < deadline:
            pids = {t.user_attrs.get("pid") for t in trial.study.get_trials(deepcopy=False)}
            if len(pids - {None}) >= self.wait_for_workers:
                break
            time.sleep(0.05)
        end = time.perf_counter() + self.work_ms / 1000.0
        acc = 0
        while time.perf_counter() < end:  # CPU work, not a sleep: workers must compete for cores
            acc += sum(range(1000))
        return -((x - 0.3) ** 2) - (y + 0.2) ** 2


def quadratic(work_ms: float = 50.0, wait_for_workers: int = 0) -> QuadraticObjective:
    return QuadraticObjective(work_ms, wait_for_workers)
