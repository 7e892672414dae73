"""Reading a replay ahead of its consumer, on a thread of its own.

A slab iterator (Parquet decoding, gzip, parsing) is CPU work. Run one slab at a time on demand, the
reader would only work while the consumer works on the slab before, and every slab would be late by
as long as the reader was kept from the GIL meanwhile. A thread that reads on, up to ``depth`` slabs
ahead, spreads that wait over the whole run: the consumer waits only when reading is slower overall.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Iterator
from typing import Any, Generic, TypeVar

_END = object()
T = TypeVar("T")


class _Failure:
    __slots__ = ("error",)

    def __init__(self, error: BaseException) -> None:
        self.error = error


class ReadAhead(Generic[T]):
    """Iterates ``slabs`` on a daemon thread, keeping at most ``depth`` slabs ready.

    :meth:`next` (async) gives the next slab, ``None`` at the end, or raises what the iterator raised.
    :meth:`close` stops the thread and closes the iterator there (a generator may only be closed by the
    thread that runs it); it blocks until then, so call it from a worker thread in async code.
    """

    def __init__(self, slabs: Iterator[T], depth: int) -> None:
        if depth < 1:
            raise ValueError("depth must be at least 1")
        self._slabs = slabs
        self._ready: queue.Queue[Any] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._done = False
        self._thread = threading.Thread(target=self._read, name="cryptoscalp-replay-reader", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        try:
            for slab in self._slabs:
                if not self._put(slab):
                    return
            self._put(_END)
        except BaseException as exc:  # the consumer raises it, in its own task
            self._put(_Failure(exc))
        finally:
            close = getattr(self._slabs, "close", None)
            if close is not None:
                close()

    def _put(self, item: Any) -> bool:
        while not self._stop.is_set():
            try:
                self._ready.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    async def next(self) -> T | None:
        if self._done:
            return None
        try:
            item = self._ready.get_nowait()  # usually ready: no thread hop
        except queue.Empty:
            item = await asyncio.to_thread(self._get)
        if item is _END:
            self._done = True
            return None
        if isinstance(item, _Failure):
            self._done = True
            raise item.error
        return item  # type: ignore[no-any-return]

    def _get(self) -> Any:
        # with a timeout: a consumer cancelled while waiting must not leave a worker thread blocked for good
        while not self._stop.is_set():
            try:
                return self._ready.get(timeout=0.05)
            except queue.Empty:
                continue
        return _END

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
