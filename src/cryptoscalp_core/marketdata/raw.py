"""Optional protocol for feeds that can hand out the raw venue frames they parse (for recording)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, runtime_checkable

#: ``sink(ts_recv_ns, frame)``: called once per received frame, before it is parsed. Must not block.
RawFrameSink = Callable[[int, bytes], None]


@runtime_checkable
class RawFrameSource(Protocol):
    """A feed that can tee its raw frames. ``venue`` names the venue the frames come from;
    :meth:`set_raw_sink` installs (or, with ``None``, removes) the sink before or while the feed runs.
    Frames are the bytes as received (text frames UTF-8 encoded), REST snapshot bodies included."""

    @property
    def venue(self) -> str: ...

    def set_raw_sink(self, sink: RawFrameSink | None) -> None: ...


def find_raw_source(feed: object) -> RawFrameSource | None:
    """``feed`` or the first wrapped feed (``source`` attribute) that exposes raw frames."""
    seen = 0
    while feed is not None and seen < 16:
        if isinstance(feed, RawFrameSource):
            return feed
        feed = getattr(feed, "source", None)
        seen += 1
    return None
