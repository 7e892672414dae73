"""Studies in an Optuna RDB storage, and worker processes that share one.

One study lives in one storage: a SQLite file by default (one machine; SQLite serialises writers, fine
for a few local workers), or PostgreSQL (``postgresql+psycopg://user@host/db``) for many workers on many
machines, each running ``cryptoscalp optimize PROFILE --study NAME --storage URL``. Workers share
nothing but the storage: each asks it for the trials so far, samples, and writes its results.

The trial budget is the study's: every worker stops once ``n_trials`` trials of the study have finished
(complete, pruned or failed), counted in the storage, so workers that join late do not overshoot it by
more than one trial each.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import optuna
import sqlalchemy
from optuna.trial import TrialState

from cryptoscalp_core.profile import ProfileError

Objective = Callable[[optuna.Trial], float]
FINISHED = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL)


def storage_for(url: str, schema: str | None = None) -> optuna.storages.RDBStorage:
    """An RDB storage for ``url``; SQLite waits for its lock instead of failing at once, PostgreSQL
    checks pooled connections (a worker may sit in a long trial) and may live in its own ``schema``.

    A SQLite file is put in write-ahead-log mode with ``synchronous=NORMAL``: Optuna commits a dozen
    times per trial, and in the default rollback-journal mode every commit waits for the disk (several
    milliseconds each, longer than a cheap trial) and locks out readers. In WAL mode a commit is an append,
    readers do not block the writer, and a crash can lose at most the last commits, never the file.
    """
    kwargs: dict[str, Any] = {}
    file = url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:")
    if url.startswith("sqlite"):
        if file:
            path = Path(url.removeprefix("sqlite:///"))
            path.parent.mkdir(parents=True, exist_ok=True)
            with contextlib.closing(sqlite3.connect(path, timeout=60)) as con:
                con.execute("PRAGMA journal_mode=WAL")  # a property of the file: set once, kept
        kwargs["connect_args"] = {"timeout": 60}
    else:
        kwargs["pool_pre_ping"] = True
        if schema:
            kwargs["connect_args"] = {"options": f"-csearch_path={schema}"}
    storage = optuna.storages.RDBStorage(url, engine_kwargs=kwargs)
    if file:
        sqlalchemy.event.listen(storage.engine, "connect", _sqlite_pragmas)
        storage.engine.dispose()  # connections opened while the storage set itself up lack the pragma
    return storage


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=NORMAL")  # a property of each connection
    cursor.close()


def make_pruner(name: str) -> optuna.pruners.BasePruner:
    if name == "median":
        # three complete trials before judging anyone; judge from the first fold on
        return optuna.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=0)
    if name == "none":
        return optuna.pruners.NopPruner()
    raise ValueError(f"pruner must be median or none, got {name!r}")


def open_study(storage: optuna.storages.BaseStorage, name: str, *, seed: int | None, pruner: str = "median",
               attrs: dict[str, Any] | None = None) -> optuna.Study:
    """Create the study or join it; a study created for another profile, space or score is refused."""
    study = optuna.create_study(storage=storage, study_name=name, direction="maximize", load_if_exists=True,
                                sampler=optuna.samplers.TPESampler(seed=seed), pruner=make_pruner(pruner))
    for key, value in (attrs or {}).items():
        have = study.user_attrs.get(key)
        if have is None:
            study.set_user_attr(key, value)
        elif have != value:
            raise ValueError(f"study {name!r} was created with {key} = {have!r}, not {value!r}: "
                             "use another --study name")
    return study


def finished(study: optuna.Study) -> int:
    return len(study.get_trials(deepcopy=False, states=FINISHED))


@dataclass(frozen=True, slots=True)
class WorkerSpec:
    """Everything a worker process needs, picklable (the objective comes from a picklable factory)."""

    storage_url: str
    study: str
    n_trials: int
    objective: Callable[[], Objective]
    seed: int | None = None
    pruner: str = "median"
    schema: str | None = None


def run_worker(spec: WorkerSpec) -> int:
    """Run trials until the study has ``n_trials`` finished ones; returns how many this worker ran."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    storage = storage_for(spec.storage_url, spec.schema)
    study = optuna.load_study(study_name=spec.study, storage=storage,
                              sampler=optuna.samplers.TPESampler(seed=spec.seed), pruner=make_pruner(spec.pruner))
    objective = spec.objective()
    ran = 0

    def budget(study: optuna.Study, _trial: optuna.trial.FrozenTrial) -> None:
        nonlocal ran
        ran += 1
        # the budget is re-read from the storage after every trial (other workers finish trials too)
        if finished(study) >= spec.n_trials:
            study.stop()

    if finished(study) < spec.n_trials:
        # one optimize call for all of this worker's trials: its set-up is not paid per trial
        study.optimize(objective, n_trials=None, catch=(ValueError, ProfileError, ArithmeticError),
                       callbacks=[budget])
    return ran


def run_workers(spec: WorkerSpec, workers: int) -> list[int]:
    """Run ``workers`` workers against the study: the first here, the others in spawned processes (no
    state shared with this one). This process has already paid for its imports and start-up, so it does
    not sit idle while a fresh process pays them again. Returns the exit codes (0 for this process's)."""
    ctx = multiprocessing.get_context("spawn")
    procs = []
    for i in range(1, workers):
        seed = None if spec.seed is None else spec.seed + i  # workers must not propose the same points
        proc = ctx.Process(target=_worker_main, args=(WorkerSpec(**{**_fields(spec), "seed": seed}),),
                           name=f"optuna-worker-{i}")
        proc.start()
        procs.append(proc)
    try:
        run_worker(spec)
    finally:
        for proc in procs:
            proc.join()
    return [0, *(int(p.exitcode or 0) for p in procs)]


def _fields(spec: WorkerSpec) -> dict[str, Any]:
    return {name: getattr(spec, name) for name in WorkerSpec.__slots__}


def _worker_main(spec: WorkerSpec) -> None:
    os.environ.setdefault("PYTHONHASHSEED", "0")
    run_worker(spec)
