"""next_sequence: strictly increasing per prefix, across restarts, threads and store instances."""

from __future__ import annotations

import threading
from collections.abc import Callable

from cryptoscalp_core.domain.client_ids import client_order_id, run_prefix
from cryptoscalp_core.storage import SqlStore


def test_sequence_increases_per_prefix(store: SqlStore) -> None:
    assert [store.next_sequence("a") for _ in range(3)] == [1, 2, 3]
    assert store.next_sequence("b") == 1
    assert store.next_sequence("a") == 4


def test_sequence_continues_after_a_restart(open_store: Callable[[], SqlStore]) -> None:
    prefix = run_prefix("live-1", "mm")
    first = open_store()
    first.migrate()
    issued = [client_order_id(prefix, first.next_sequence(prefix)) for _ in range(5)]
    first.close()
    second = open_store()
    second.migrate()
    issued += [client_order_id(prefix, second.next_sequence(prefix)) for _ in range(5)]
    assert len(set(issued)) == 10  # a restarted process never reuses a client order id
    assert second.next_sequence(prefix) == 11


def test_sequence_is_safe_under_concurrency(open_store: Callable[[], SqlStore]) -> None:
    # Two store instances (as two processes would have) and several threads each, on one prefix.
    stores = [open_store(), open_store()]
    stores[0].migrate()
    per_thread: list[list[int]] = []
    errors: list[BaseException] = []

    def draw(store: SqlStore) -> None:
        values: list[int] = []
        try:
            for _ in range(25):
                values.append(store.next_sequence("hot"))
        except BaseException as exc:
            errors.append(exc)
        per_thread.append(values)

    threads = [threading.Thread(target=draw, args=(stores[i % 2],)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    everything = sorted(v for values in per_thread for v in values)
    assert everything == list(range(1, 201))  # no value lost, none given twice
    for values in per_thread:
        assert values == sorted(values) and len(set(values)) == len(values)  # each caller sees an increase
