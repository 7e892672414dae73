"""Clock names of the profile (``time1s``, ``tick100``, ``vol10``, ``ev1000``) and their bar builders."""

from __future__ import annotations

import re
from dataclasses import dataclass

_UNITS_NS = {"ms": 1_000_000, "s": 1_000_000_000, "m": 60_000_000_000, "h": 3_600_000_000_000}
_PATTERN = re.compile(r"^(?:(time)(\d+)(ms|s|m|h)|(tick)(\d+)|(vol)(\d+(?:p\d+)?)|(ev)(\d+))$")


@dataclass(frozen=True, slots=True)
class Clock:
    """One bar clock: ``kind`` time/tick/volume/event and its size (ns, trades, quantity, events)."""

    name: str
    kind: str
    size: float

    @property
    def is_time(self) -> bool:
        return self.kind == "time"


def parse_clock(name: str) -> Clock:
    """``time<N><ms|s|m|h>``, ``tick<N>`` (trades), ``vol<X>`` (quantity; ``p`` for a decimal point:
    ``vol0p5``) or ``ev<N>`` (events of any kind). ``ValueError`` naming the accepted forms otherwise."""
    m = _PATTERN.match(name)
    if m is None:
        raise ValueError(f"clock {name!r}: expected time<N><ms|s|m|h>, tick<N>, vol<X> (vol0p5 = 0.5) or ev<N>")
    if m.group(1):
        size = float(int(m.group(2)) * _UNITS_NS[m.group(3)])
        kind = "time"
    elif m.group(4):
        size, kind = float(m.group(5)), "tick"
    elif m.group(6):
        size, kind = float(m.group(7).replace("p", ".")), "volume"
    else:
        size, kind = float(m.group(9)), "event"
    if size <= 0:
        raise ValueError(f"clock {name!r}: the size must be > 0")
    return Clock(name, kind, size)
