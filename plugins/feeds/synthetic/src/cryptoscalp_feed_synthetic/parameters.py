"""The model's numbers: a typed, validated view of a ``params/*.json`` file.

Units: rates are events per second, sizes and queue lengths are quantities of the base asset (BTC for
BTCUSDT; the simulator converts them to the instrument's lots), latencies are milliseconds. A log-normal
``{mu, sigma, max}`` is ``exp(mu + sigma * Z)`` cut at ``max``; a size model adds ``slope * ln(1 + q/scale)``
to ``mu``, which is how the queue length ``q`` changes the size of the next order.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

#: The params file the component uses when the profile names none.
DEFAULT_PARAMS = "binance-usdm-btcusdt"


class ParamsError(ValueError):
    """A params file or override that does not describe a valid model; the message names the path."""


@dataclass(frozen=True, slots=True)
class LogNormal:
    mu: float
    sigma: float
    max: float


@dataclass(frozen=True, slots=True)
class SizeModel:
    mu: float
    slope: float
    sigma: float
    max: float


@dataclass(frozen=True, slots=True)
class Level:
    """Level ``k`` ticks behind a side's best price (k = 0 is the touch), bid and ask alike."""

    scale: float  #: median non-empty queue at this level: the unit of ``q`` in the rate laws
    add_rate: float  #: limit adds per second at q = 0
    add_theta: float  #: add rate = add_rate * (1 + q/scale) ** -add_theta
    cancel_rate: float  #: cancels per second at q = scale
    cancel_phi: float  #: cancel rate = cancel_rate * (q/scale) ** cancel_phi, zero on an empty level
    add_size: SizeModel
    cancel_size: SizeModel
    occupancy: float  #: share of time the level is non-empty (initial book)
    depth: LogNormal  #: size of a non-empty level (initial book)


@dataclass(frozen=True, slots=True)
class FreshLevel:
    """A price the window reaches that the simulation never held: empty or a log-normal queue."""

    occupancy: float
    depth: LogNormal


@dataclass(frozen=True, slots=True)
class Hawkes:
    """Market-order arrivals, dimension 0 = buy, 1 = sell. Intensity of i:
    ``mu[i] + sum_j alpha[i][j] * sum_{t_k of j < t} beta * exp(-beta (t - t_k))``."""

    mu: tuple[float, ...]
    alpha: tuple[tuple[float, ...], ...]
    beta: float

    @property
    def branching_ratio(self) -> float:
        return float(max(abs(np.linalg.eigvals(np.asarray(self.alpha)))))

    @property
    def stationary_rates(self) -> tuple[float, ...]:
        """Mean arrival rates ``(I - alpha)^-1 mu``."""
        a = np.asarray(self.alpha)
        return tuple(float(x) for x in np.linalg.solve(np.eye(len(a)) - a, np.asarray(self.mu)))


@dataclass(frozen=True, slots=True)
class Prints:
    """Binance prints one trade per maker order filled: a market order taking ``v`` (base units) at one
    price prints ``1 + Poisson(rho * v ** gamma)`` trades (at most one per lot)."""

    rho: float
    gamma: float


@dataclass(frozen=True, slots=True)
class InSpread:
    """Limit orders that improve a side's best price while the spread is wider than one tick."""

    rate: float  #: per side, per second, while spread > 1 tick
    p_close: float  #: when spread > 2 ticks: chance the order lands one tick from the other side
    size: LogNormal


@dataclass(frozen=True, slots=True)
class Latency:
    """One-way feed latency ``floor_ms + exp(y)`` ms, cut at ``max_ms``, where ``y`` is a stationary
    Ornstein-Uhlenbeck process in time: mean ``mu``, standard deviation ``sigma``, correlation time
    ``tau_s`` (network delay drifts; it does not jump independently from one message to the next)."""

    floor_ms: float
    mu: float
    sigma: float
    max_ms: float
    tau_s: float


@dataclass(frozen=True, slots=True)
class ModelParams:
    levels: tuple[Level, ...]
    fresh_level: FreshLevel
    hawkes: Hawkes
    market_size: LogNormal
    prints: Prints
    in_spread: InSpread
    latency: Latency
    source: dict[str, Any] = field(default_factory=dict)
    diagnostics: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelParams:
        try:
            params = _build(data)
        except (KeyError, TypeError) as exc:
            raise ParamsError(f"params do not match the schema: {type(exc).__name__}: {exc}") from None
        _validate(params)
        return params


def _build(d: dict[str, Any]) -> ModelParams:
    def ln(x: dict[str, Any]) -> LogNormal:
        return LogNormal(float(x["mu"]), float(x["sigma"]), float(x["max"]))

    def size(x: dict[str, Any]) -> SizeModel:
        return SizeModel(float(x["mu"]), float(x["slope"]), float(x["sigma"]), float(x["max"]))

    levels = tuple(Level(float(v["scale"]), float(v["add_rate"]), float(v["add_theta"]), float(v["cancel_rate"]),
                         float(v["cancel_phi"]), size(v["add_size"]), size(v["cancel_size"]),
                         float(v["occupancy"]), ln(v["depth"])) for v in d["levels"])
    h = d["hawkes"]
    return ModelParams(
        levels=levels,
        fresh_level=FreshLevel(float(d["fresh_level"]["occupancy"]), ln(d["fresh_level"]["depth"])),
        hawkes=Hawkes(tuple(float(x) for x in h["mu"]), tuple(tuple(float(x) for x in row) for row in h["alpha"]),
                      float(h["beta"])),
        market_size=ln(d["market_size"]),
        prints=Prints(float(d["prints"]["rho"]), float(d["prints"]["gamma"])),
        in_spread=InSpread(float(d["in_spread"]["rate"]), float(d["in_spread"]["p_close"]), ln(d["in_spread"]["size"])),
        latency=Latency(**{k: float(v) for k, v in d["latency"].items()}),
        source=dict(d.get("source", {})), diagnostics=dict(d.get("diagnostics", {})),
    )


def _validate(p: ModelParams) -> None:
    problems: list[str] = []

    def need(ok: bool, what: str) -> None:
        if not ok:
            problems.append(what)

    def finite(*values: float) -> bool:
        return all(math.isfinite(v) for v in values)

    need(len(p.levels) >= 1, "levels: at least one level")
    for k, lv in enumerate(p.levels):
        need(finite(lv.scale, lv.add_rate, lv.add_theta, lv.cancel_rate, lv.cancel_phi), f"levels.{k}: non-finite")
        need(lv.scale > 0 and lv.add_rate >= 0 and lv.cancel_rate >= 0, f"levels.{k}: scale > 0, rates >= 0")
        need(lv.add_theta >= 0 and lv.cancel_phi >= 0, f"levels.{k}: add_theta and cancel_phi >= 0")
        need(0 <= lv.occupancy <= 1, f"levels.{k}.occupancy in [0, 1]")
        for name, m in (("add_size", lv.add_size), ("cancel_size", lv.cancel_size), ("depth", lv.depth)):
            need(finite(m.mu, m.sigma) and m.sigma >= 0 and m.max > 0, f"levels.{k}.{name}: sigma >= 0, max > 0")
    need(p.levels[0].occupancy > 0 if p.levels else True, "levels.0.occupancy must be positive (the touch)")
    need(0 < p.fresh_level.occupancy <= 1, "fresh_level.occupancy in (0, 1]: the book must be able to refill")
    h = p.hawkes
    dims = len(h.mu)
    need(dims == 2 and len(h.alpha) == 2 and all(len(r) == 2 for r in h.alpha), "hawkes: 2 dimensions (buy, sell)")
    if not problems:
        need(all(m >= 0 for m in h.mu) and all(a >= 0 for r in h.alpha for a in r) and h.beta > 0,
             "hawkes: mu, alpha >= 0 and beta > 0")
        need(h.branching_ratio < 1, f"hawkes: branching ratio {h.branching_ratio:.3f} must be < 1 (stationarity)")
    need(finite(p.prints.rho, p.prints.gamma) and p.prints.rho >= 0, "prints: rho >= 0")
    need(p.in_spread.rate > 0 and 0 <= p.in_spread.p_close <= 1, "in_spread: rate > 0, p_close in [0, 1]")
    lat = p.latency
    need(finite(lat.floor_ms, lat.mu, lat.sigma, lat.tau_s) and lat.floor_ms >= 0 and lat.sigma >= 0
         and lat.max_ms > 0 and lat.tau_s > 0, "latency: floor_ms >= 0, sigma >= 0, max_ms > 0, tau_s > 0")
    if problems:
        raise ParamsError("invalid model params: " + "; ".join(problems))


# -- files and overrides ----------------------------------------------------------------------------------


def shipped() -> list[str]:
    """Names of the params files shipped in the package (without ``.json``)."""
    folder = resources.files(__package__).joinpath("params")
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".json"))


def locate(ref: str | None) -> Path | None:
    """A shipped name or a filesystem path → the file, or ``None`` when neither exists."""
    name = ref or DEFAULT_PARAMS
    if name in shipped():
        return Path(str(resources.files(__package__).joinpath("params", f"{name}.json")))
    path = Path(name).expanduser()
    return path if path.is_file() else None


def load(ref: str | None, overrides: dict[str, Any] | None = None) -> ModelParams:
    path = locate(ref)
    if path is None:
        raise ParamsError(f"params {ref!r} is neither a shipped set ({', '.join(shipped())}) nor a file")
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ParamsError(f"cannot read params {path.name}: {exc}") from None
    for dotted, value in (overrides or {}).items():
        set_path(data, dotted, value)
    return ModelParams.from_dict(data)


def set_path(data: dict[str, Any], dotted: str, value: Any) -> None:
    """Replace the value at ``hawkes.beta`` / ``levels.0.add_rate`` style paths; unknown paths raise."""
    parts = dotted.split(".")
    node: Any = data
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            key: int | str = int(part)
        elif isinstance(node, dict) and part in node and part not in ("source", "diagnostics"):
            key = part
        else:
            raise ParamsError(f"override {dotted!r}: no parameter {'.'.join(parts[:i + 1])!r}")
        if last:
            old = node[key]
            if isinstance(old, dict) or (isinstance(old, list) and not isinstance(value, list)):
                raise ParamsError(f"override {dotted!r}: give a number (or a list for a list), not {value!r}")
            node[key] = value
        else:
            node = node[key]
