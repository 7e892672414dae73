"""Workers share one study through the storage: two processes on PostgreSQL (and on a SQLite file)."""

from __future__ import annotations

import functools
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import optuna
import pytest
import sqlalchemy as sa
from cryptoscalp_research_optuna.study import FINISHED, WorkerSpec, open_study, run_workers, storage_for
from cryptoscalp_research_optuna.synthetic import quadratic


@pytest.fixture
def pg_schema(postgres_url: str) -> Iterator[str]:
    """A schema of its own for the test's Optuna tables, dropped afterwards."""
    schema = f"optuna_test_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(postgres_url)
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield schema
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


def _two_workers(url: str, schema: str | None, n_trials: int) -> optuna.Study:
    name = f"shared-{uuid.uuid4().hex[:8]}"
    storage = storage_for(url, schema)
    open_study(storage, name, seed=0, pruner="none")
    # 40 ms of CPU per trial, each held until both workers have started one (the spawned one starts
    # seconds after the one in this process). The factory lives in the package: a spawned worker cannot
    # import this test module to unpickle one defined here
    objective = functools.partial(quadratic, 40.0, wait_for_workers=2)
    spec = WorkerSpec(storage_url=url, study=name, n_trials=n_trials, objective=objective, seed=0,
                      pruner="none", schema=schema)
    assert run_workers(spec, workers=2) == [0, 0]
    return optuna.load_study(study_name=name, storage=storage)


def _check_shared(study: optuna.Study, n_trials: int) -> None:
    trials = study.get_trials(deepcopy=False, states=FINISHED)
    # the budget is the study's: reached, and overshot by at most one trial per other worker
    assert n_trials <= len(trials) <= n_trials + 1
    numbers = [t.number for t in trials]
    assert len(set(numbers)) == len(numbers)
    pids = {t.user_attrs["pid"] for t in trials}
    assert len(pids) == 2, f"trials came from {pids}"
    assert os.getpid() in pids  # the first worker runs in the calling process, the other was spawned


def test_two_worker_processes_share_one_postgres_study(postgres_url: str, pg_schema: str) -> None:
    study = _two_workers(postgres_url, pg_schema, n_trials=16)
    _check_shared(study, 16)
    # both workers wrote to one study row in this schema and nowhere else
    engine = sa.create_engine(postgres_url, connect_args={"options": f"-csearch_path={pg_schema}"})
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM studies")).scalar_one() == 1
    engine.dispose()


def test_two_worker_processes_share_one_sqlite_study(tmp_path: Path) -> None:
    study = _two_workers(f"sqlite:///{tmp_path / 'optuna.db'}", None, n_trials=10)
    _check_shared(study, 10)


def test_a_study_refuses_another_profile(tmp_path: Path) -> None:
    storage = storage_for(f"sqlite:///{tmp_path / 's.db'}")
    open_study(storage, "s", seed=0, attrs={"profile": "a.yaml"})
    open_study(storage, "s", seed=0, attrs={"profile": "a.yaml"})  # joining with the same one is fine
    with pytest.raises(ValueError, match="created with profile"):
        open_study(storage, "s", seed=0, attrs={"profile": "b.yaml"})


def test_the_search_finds_the_known_optimum(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'q.db'}"
    storage = storage_for(url)
    open_study(storage, "q", seed=3, pruner="none")
    run_workers(WorkerSpec(storage_url=url, study="q", n_trials=40, objective=_no_work, seed=3,
                           pruner="none"), workers=1)
    best = optuna.load_study(study_name="q", storage=storage).best_params
    assert abs(best["x"] - 0.3) < 0.15 and abs(best["y"] + 0.2) < 0.15, best


def _no_work() -> optuna.study.study.ObjectiveFuncType:
    return quadratic(work_ms=0)
