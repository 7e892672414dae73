"""Appending a simulated run's rows as Arrow tables while the run goes on, through ADBC.

A backtest's orders, order states and fills are known in bulk and are all new rows (see
:mod:`cryptoscalp_core.storage.bulk`). Through the Python DB-API each value is bound from a Python
object with the interpreter lock held, so the write cannot overlap the simulation. ADBC's drivers
(Apache Arrow's database connectivity: SQLite's prepared statements, PostgreSQL's binary COPY) bind a
whole Arrow table in C: a :class:`RunTableWriter` takes the tables the recorder builds during the run
and appends them on a second core while the engine goes on.

* PostgreSQL: the writer's thread appends through its own ADBC connection (:class:`AdbcSink`); the
  driver releases the interpreter lock while it copies.
* SQLite: ADBC's driver carries its own copy of the SQLite library. Two copies of SQLite in one process
  must never open the same file (closing it in one drops the POSIX locks the other holds, which
  corrupts a WAL database), so the appends run in a child process
  (:func:`cryptoscalp_core.storage.adbc_sink.serve`) that takes each batch as Arrow IPC files;
  between processes SQLite's locking is sound.

Each :meth:`RunTableWriter.write` is one transaction, applied in the order submitted, so the
autoincrement ids of ``order_states`` and ``fills`` follow the recording order as they do on the DB-API
path. A failed write is raised by the next call (and by :meth:`RunTableWriter.close`), never lost.
Without the optional drivers (``pip install "cryptoscalp-core[fast-store]"``), for an in-memory SQLite
database, or for another backend, :func:`open_table_writer` answers ``None`` and the store writes
through SQLAlchemy.
"""

from __future__ import annotations

import importlib.util
import json
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy.engine import URL

from cryptoscalp_core.storage import adbc_sink
from cryptoscalp_core.storage.adbc_sink import AdbcSink
from cryptoscalp_core.storage.engine import is_sqlite, sqlite_file

if TYPE_CHECKING:
    import pyarrow as pa  # type: ignore[import-untyped]

Batch = Sequence[tuple[str, "pa.Table"]]
_DONE = object()


class TableSink(Protocol):
    """Where a writer's batches go: each :meth:`append` one transaction, all or nothing."""

    def append(self, batch: Batch) -> None: ...

    def close(self) -> None: ...


class ProcessSink:
    """Appends through a child process (:func:`cryptoscalp_core.storage.adbc_sink.serve`) that owns the
    ADBC SQLite connection; batches travel as Arrow IPC files in a private temporary folder."""

    _BOOT = ("import importlib.util, sys; spec = importlib.util.spec_from_file_location('cs_adbc_sink', sys.argv[1]); "
             "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m); m.serve(sys.argv[2], "
             "float(sys.argv[3]), sys.argv[4]); import os; os._exit(0)")

    def __init__(self, path: Path, busy_timeout_s: float) -> None:
        self._folder = Path(tempfile.mkdtemp(prefix="cryptoscalp-tables-"))
        self._count = 0
        # -P: neither the working folder nor the module's on the path (a types.py there would shadow the
        # standard library's); the environment and the user's site packages stay as for this process.
        # os._exit once serve() returns: everything is committed and answered, and the caller waits for the
        # exit, which an interpreter's full shutdown (with pyarrow loaded) would lengthen
        self._child = subprocess.Popen(
            [sys.executable, "-P", "-c", self._BOOT, adbc_sink.__file__, str(path), repr(busy_timeout_s),
             str(self._folder)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def append(self, batch: Batch) -> None:
        import pyarrow as pa

        files = []
        for name, table in batch:
            self._count += 1
            file = self._folder / f"{self._count}-{name}.arrow"
            with pa.OSFile(str(file), "wb") as sink, pa.ipc.new_file(sink, table.schema) as ipc:
                ipc.write_table(table)
            files.append((name, str(file)))
        child = self._child
        assert child.stdin is not None and child.stdout is not None
        try:
            child.stdin.write(json.dumps(files) + "\n")
            child.stdin.flush()
            answer = child.stdout.readline()
        except BrokenPipeError:
            answer = ""
        if not answer:
            raise RuntimeError(f"the table writer's process ended (exit status {child.wait()})")
        got = json.loads(answer)
        if "error" in got:
            raise TableWriteError(got["error"])

    def close(self) -> None:
        # waited for: a child still holding the database after the run could meet a caller that deletes or
        # replaces the file (its log and shared-memory files) as soon as the run returns
        if self._child.stdin is not None:
            self._child.stdin.close()
        self._reap()

    def _reap(self) -> None:
        try:
            self._child.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self._child.kill()
            self._child.wait()
        finally:
            shutil.rmtree(self._folder, ignore_errors=True)


class TableWriteError(RuntimeError):
    """The database refused a batch (a constraint, a lock held too long...): the driver's message."""


class RunTableWriter:
    """Appends batches of ``(table name, Arrow table)`` in submission order, off the caller's thread."""

    def __init__(self, open_sink: Callable[[], TableSink], max_pending: int = 8) -> None:
        self._open_sink = open_sink
        # bounded: a writer slower than the engine holds the engine back instead of buffering the run
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=max_pending)
        self._error: BaseException | None = None
        self._closed = False
        self.rows = 0
        self._thread = threading.Thread(target=self._work, name="cryptoscalp-table-writer", daemon=True)
        self._thread.start()

    def write(self, batch: Batch) -> None:
        """Queue one batch (tables with no rows are skipped); raises an earlier write's error."""
        if self._closed:
            raise RuntimeError("the table writer is closed")
        self._raise()
        tables = [(name, table) for name, table in batch if table.num_rows]
        if tables:
            self._queue.put(tables)

    def end(self) -> None:
        """No more batches: the writer goes on with those queued, on its own; :meth:`close` waits for them."""
        if not self._closed:
            self._closed = True
            self._queue.put(_DONE)

    def close(self, raise_error: bool = True) -> None:
        """Wait for every queued batch to be committed; raises the first write's error (unless told not to:
        a run that failed already has its own)."""
        self.end()
        self._thread.join()
        if raise_error:
            self._raise()

    def _raise(self) -> None:
        if self._error is not None:
            raise self._error

    def _work(self) -> None:
        sink: TableSink | None = None
        try:
            sink = self._open_sink()
            while (batch := self._queue.get()) is not _DONE:
                if self._error is not None:
                    continue  # drain: the engine learns of the error at its next call
                try:
                    sink.append(batch)
                    self.rows += sum(table.num_rows for _, table in batch)
                except BaseException as exc:
                    self._error = exc
        except BaseException as exc:
            self._error = exc
            while self._queue.get() is not _DONE:
                pass
        finally:
            if sink is not None:
                sink.close()


def open_table_writer(url: URL, busy_timeout_s: float) -> RunTableWriter | None:
    """A writer for the store at ``url``, or ``None`` where ADBC cannot serve it (see the module doc)."""
    try:
        import pyarrow  # noqa: F401 - the tables the writer takes
    except ImportError:
        return None
    if is_sqlite(url):
        path = sqlite_file(url)
        if path is None:
            return None  # ':memory:' is private to the store's own connection
        if not _installed("adbc_driver_sqlite"):  # the child process appends through it, not this one
            return None
        return RunTableWriter(lambda: ProcessSink(path, busy_timeout_s))
    if url.get_backend_name() == "postgresql":
        try:
            import adbc_driver_postgresql.dbapi as postgres_adbc  # type: ignore[import-untyped]
        except ImportError:
            return None
        libpq = url.set(drivername="postgresql").render_as_string(hide_password=False)
        return RunTableWriter(lambda: AdbcSink(lambda: postgres_adbc.connect(libpq)))
    return None


def _installed(module: str) -> bool:
    """Whether ``module`` can be imported, without importing it."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # ValueError: a module set to None in sys.modules
        return False
