"""Run lifecycle: start, finish, look up, list."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from cryptoscalp_core.ports.store import RunRecord
from cryptoscalp_core.storage import DuplicateRunError, SqlStore, UnknownRunError


def test_run_lifecycle(store: SqlStore) -> None:
    started = RunRecord(run_id="bt-42", mode="backtest", profile_name="quickstart",
                        profile_digest="sha256:abc", started_ns=1_700_000_000_000_000_000)
    store.start_run(started)
    assert store.get_run("bt-42") == started

    store.finish_run("bt-42", status="finished", finished_ns=1_700_000_060_000_000_000,
                     summary={"trades": 12, "pnl": Decimal("-3.25"), "sharpe": 1.5, "by_hour": [1, 2]})
    assert store.get_run("bt-42") == RunRecord(
        run_id="bt-42", mode="backtest", profile_name="quickstart", profile_digest="sha256:abc",
        started_ns=1_700_000_000_000_000_000, finished_ns=1_700_000_060_000_000_000, status="finished",
        summary={"trades": 12, "pnl": "-3.25", "sharpe": 1.5, "by_hour": [1, 2]},
    )


def test_finish_without_summary_keeps_the_started_one(store: SqlStore) -> None:
    store.start_run(RunRecord(run_id="r", mode="live", summary={"note": "kept"}))
    store.finish_run("r", status="interrupted", finished_ns=5)
    run = store.get_run("r")
    assert run is not None
    assert (run.status, run.finished_ns, run.summary) == ("interrupted", 5, {"note": "kept"})


def test_runs_survive_a_restart_and_list_newest_first(open_store: Callable[[], SqlStore]) -> None:
    first = open_store()
    first.migrate()
    for i, started in enumerate([300, 100, 200]):
        first.start_run(RunRecord(run_id=f"r{i}", mode="paper", started_ns=started))
    first.close()

    restarted = open_store()
    assert [r.run_id for r in restarted.list_runs()] == ["r0", "r2", "r1"]
    assert [r.run_id for r in restarted.list_runs(limit=2)] == ["r0", "r2"]
    assert restarted.get_run("missing") is None
    with pytest.raises(ValueError, match="limit"):
        restarted.list_runs(limit=0)


def test_starting_a_run_twice(store: SqlStore) -> None:
    run = RunRecord(run_id="r", mode="paper", started_ns=7)
    store.start_run(run)
    store.start_run(run)  # a retry of the same start is harmless
    with pytest.raises(DuplicateRunError, match="'r'"):
        store.start_run(RunRecord(run_id="r", mode="live", started_ns=8))
    assert store.get_run("r") == run
    assert len(store.list_runs()) == 1


def test_finishing_an_unknown_run_or_with_a_bad_status(store: SqlStore) -> None:
    with pytest.raises(UnknownRunError, match="nope"):
        store.finish_run("nope", status="finished", finished_ns=1)
    store.start_run(RunRecord(run_id="r", mode="paper"))
    with pytest.raises(ValueError, match="done"):
        store.finish_run("r", status="done", finished_ns=1)
    with pytest.raises(ValueError, match="status"):
        store.start_run(RunRecord(run_id="r2", mode="paper", status="weird"))
    run = store.get_run("r")
    assert run is not None
    assert run.status == "running"
    assert run.finished_ns is None
