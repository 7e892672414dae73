"""Appending Arrow tables through an ADBC connection, and the writer's child process that does it for SQLite.

This module imports nothing of cryptoscalp: :class:`~cryptoscalp_core.storage.table_writer.ProcessSink`
runs it from its file in a fresh interpreter, where only :func:`serve`, pyarrow (without numpy) and the
ADBC driver manager load (a child that imported the package would spend a second on imports the write
never needs, and its start-up runs on the core the parent's run also uses). :class:`AdbcSink` is the
DB-API form, used in the parent's own process (PostgreSQL); :class:`SqliteSink` is the child's.

The child's protocol, one JSON line each way per batch: the parent sends ``[[table, path], ...]`` (each
path an Arrow IPC file of one table, which the child deletes once read), the child appends them in one
transaction and answers ``{"rows": n}`` or ``{"error": "..."}``; end of input ends the child.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
from collections.abc import Callable, Sequence
from typing import Any

Batch = Sequence[tuple[str, Any]]


class AdbcSink:
    """Appends through an ADBC DB-API connection (``connect()``), in this process."""

    def __init__(self, connect: Callable[[], Any]) -> None:
        """Each batch runs between the DB-API's implicit begin and ``commit()``."""
        self._connection = connect()

    def append(self, batch: Batch) -> None:
        connection = self._connection
        with connection.cursor() as cursor:
            try:
                for name, table in batch:
                    cursor.adbc_ingest(name, table, mode="append")
                connection.commit()
            except BaseException:
                with contextlib.suppress(Exception):  # the failure is what the caller must see
                    connection.rollback()
                raise

    def close(self) -> None:
        self._connection.close()


class SqliteSink:
    """Appends to a SQLite file through the ADBC driver manager's low-level API, which needs neither the
    DB-API layer nor numpy (``adbc_driver_manager.dbapi`` imports ``pyarrow.dataset``, and pyarrow imports
    numpy where it can: together ~0.15 s of a child's start, on the core the parent's feed reader uses).

    Only for a process that opens the file with no other copy of SQLite (the writer's child process)."""

    def __init__(self, path: str, busy_timeout_s: float) -> None:
        import adbc_driver_manager as adbc
        import adbc_driver_sqlite

        self._adbc = adbc
        self._database = adbc_driver_sqlite.connect(path)
        # a low-level connection starts in autocommit mode: the pragmas below are no-ops inside a
        # transaction, and each batch is one explicit transaction
        self._connection = adbc.AdbcConnection(self._database)
        # the same rules as the store's own connections: foreign keys checked, wait for the store's
        # transactions instead of failing with SQLITE_BUSY, take the write lock up front.
        # synchronous=NORMAL: a WAL commit is then not synced on its own; the run's closing commit (the
        # store's, synchronous=FULL) syncs the log with every frame written before it, so the run is as
        # durable at its end
        for statement in ("PRAGMA foreign_keys=ON", f"PRAGMA busy_timeout={int(busy_timeout_s * 1000)}",
                          "PRAGMA synchronous=NORMAL"):
            self._sql(statement)

    def _sql(self, query: str) -> None:
        with self._adbc.AdbcStatement(self._connection) as statement:
            statement.set_sql_query(query)
            statement.execute_update()

    def append(self, batch: Batch) -> None:
        self._sql("BEGIN IMMEDIATE")
        try:
            for name, table in batch:
                with self._adbc.AdbcStatement(self._connection) as statement:
                    statement.set_options(**{"adbc.ingest.target_table": name,
                                             "adbc.ingest.mode": "adbc.ingest.mode.append"})
                    statement.bind_stream(table)
                    statement.execute_update()
            self._sql("COMMIT")
        except BaseException:
            with contextlib.suppress(Exception):  # the failure is what the caller must see
                self._sql("ROLLBACK")
            raise

    def close(self) -> None:
        self._connection.close()
        self._database.close()


def serve(path: str, busy_timeout_s: float, folder: str | None = None) -> None:
    """The child's loop: batches from stdin, answers to stdout; ``folder`` (where the parent puts the
    batches' files) is removed at the end, by the child itself, since the parent may have exited."""
    # Nothing here needs numpy, which pyarrow would import (most of the child's start-up): a None entry
    # makes its import fail, and pyarrow runs without it. Only ever in the child's own interpreter.
    sys.modules.setdefault("numpy", None)  # type: ignore[arg-type]
    import adbc_driver_sqlite
    import pyarrow as pa  # type: ignore[import-untyped]

    # a database handle loads the driver's shared library (~20 ms): on a private in-memory database now,
    # while the parent is still starting its run, so the first batch finds it loaded
    preload: Any = adbc_driver_sqlite.connect(":memory:")
    sink: SqliteSink | None = None  # connected at the first batch: the database may not be migrated yet
    try:
        for line in sys.stdin:
            if sink is None:
                sink = SqliteSink(path, busy_timeout_s)
                preload.close()
            files = json.loads(line)
            try:
                batch = []
                for name, file in files:
                    with pa.memory_map(file) as source:
                        batch.append((name, pa.ipc.open_file(source).read_all()))
                sink.append(batch)
                answer: dict[str, Any] = {"rows": sum(table.num_rows for _, table in batch)}
            except Exception as exc:
                answer = {"error": f"{type(exc).__name__}: {exc}"}
            finally:
                for _, file in files:
                    if os.path.exists(file):
                        os.unlink(file)
            sys.stdout.write(json.dumps(answer) + "\n")
            sys.stdout.flush()
    finally:
        if sink is not None:
            sink.close()
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
