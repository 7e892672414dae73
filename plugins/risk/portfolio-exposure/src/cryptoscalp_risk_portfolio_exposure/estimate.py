"""Shortcuts of the ``portfolio-exposure`` layer: let through, in a few ``Decimal`` operations, an intent
that is far from every limit, and keep the VaR of one unit of an instrument per market version, so the
exact rules run only near a limit (or for portfolios the shortcut does not cover). Neither changes a
decision.

The shortcut (:meth:`Shortcuts.quick_allow`) covers a portfolio whose only exposure is the intent's
instrument (its position's multiplier the instrument's), without a concentration limit. Then every
exposure the rules see is a quantity times the intent's unit ``u = price x multiplier``, so they can be
judged in quantities, on the intent's side (``s`` = +1 buy, -1 sell): the instrument holds
``x = s * position + resting`` (same-side resting orders, with ``count_resting``) and the intent asks
for ``q`` more. With one exposure the gross is ``|x| u`` and the net of the portfolio and of any cluster
is ``s x u``, so the gross, net and cluster rules all read ``(x + q) u <= limit``; the intent only brings
the instrument toward flat when ``|x + q| <= |x|``, i.e. ``x < 0`` and ``q + 2x <= 0``.

The exact rules compute the same figures with other roundings (28 significant digits, each step off by
at most 5e-28 of the magnitudes involved, all within ``|position| + resting + q`` units). So the
shortcut allows only what holds with room to spare — a relative 1e-12 of the notional limit, and
``tol = 3e-12 * (|position| + resting)`` units where figures may cancel — fourteen orders of magnitude
above any rounding of the exact rules:

* with the position flat or on the intent's side nothing cancels (every magnitude is within ``x + q``,
  which the limit bounds), so ``tol`` is 0; otherwise, when ``x < 0``, ``q + 2x <= -tol`` is surely
  toward flat (allowed whatever the limits; then ``q <= 2|x|``, so ``tol`` covers ``q`` too) and
  ``q + 2x`` within ``tol`` of 0 too close to call;
* then ``(x + tol + q) u`` must be within the smallest notional limit less a relative 1e-12 (which covers
  the rounding of ``q u``: the limit bounds it), and its VaR, ``(x + tol + q) u`` times the VaR of one
  unit on that side (the market view's ``portfolio_var`` is positively homogeneous), within ``max_var``
  less a relative 1e-9. Should the exact rules find the intent toward flat after all, they allow it too.

``x`` and ``tol`` depend on the position and the resting orders only: they are kept per side while the
view gives the same position and remainders (the same ``Decimal`` objects while nothing fills).

Anything else — a test too close to call, an infinite unit VaR — goes to the exact rules. It is all
``Decimal``: converting a ``Decimal`` to a float (through its string) costs more than the handful of
``Decimal`` operations this takes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable
from decimal import Decimal

from cryptoscalp_core.domain.orders import OrderRequest
from cryptoscalp_core.ports.risk import IntentView, MarketView, PortfolioState
from cryptoscalp_risk_portfolio_exposure.config import PortfolioExposureConfig

#: a unit VaR that says nothing (infinite): the VaR itself must be computed
UNKNOWN = Decimal("Infinity")
#: (VaR of one long unit, of one short unit); None: ``nan``, the VaR rule cannot be judged
UnitVars = tuple[Decimal | None, Decimal | None]
_ZERO, _TOL, _CANCEL_TOL = Decimal(0), Decimal("1e-12"), Decimal("3e-12")


class _Side:
    """What the shortcut needs of the position and resting orders on one side: ``x`` (None: a remainder
    below zero, an over-filled order, which the shortcut leaves to the exact rules), ``x + tol``, ``2x``."""

    __slots__ = ("held", "resting", "tol", "twice", "x", "x_tol")

    def __init__(self, held: Decimal, resting: list[Decimal], sign: int, count_resting: bool) -> None:
        self.held, self.resting = held, list(resting)  # the key: the view's position and remainders
        counted = resting if count_resting else []
        rest = sum(counted, _ZERO)
        held_s = held if sign > 0 else -held
        self.x: Decimal | None = held_s + rest if not counted or min(counted) >= _ZERO else None
        # held_s >= 0: nothing cancels, no tolerance needed (see the module docstring)
        self.tol = _ZERO if held_s >= _ZERO else (abs(held) + rest) * _CANCEL_TOL
        x = self.x if self.x is not None else _ZERO
        self.x_tol, self.twice = x + self.tol, x + x


class Shortcuts:
    """Mixed into the layer: the quick allow and the per-version unit VaR (state kept on the layer)."""

    _cfg: PortfolioExposureConfig

    def _setup_shortcuts(self, config: PortfolioExposureConfig) -> None:
        self._estimate = config.max_concentration is None
        self._count_resting = config.count_resting
        limits = [x for x in (config.max_gross_notional, config.max_net_notional, config.max_cluster_notional)
                  if x is not None]
        self._notional_ceiling = min(limits) * (1 - _TOL) if limits else None
        self._var_ceiling = config.max_var * (1 - Decimal("1e-9")) if config.max_var is not None else None
        # the unit VaRs of the last instrument asked for, in the market version they were computed for;
        # ``on_market`` renews them when a bar closes, so the check after it finds them ready
        self._market: MarketView | None = None
        self._unit_version, self._unit_key, self._unit_n = -1, "", 0
        self._unit: UnitVars = (None, None)
        self._memo_args: dict[tuple[str, int], tuple[Hashable, Callable[[MarketView], UnitVars]]] = {}
        self._sides: dict[int, _Side] = {}  # view.sign -> the last position and remainders seen on that side

    # -- the quick allow --------------------------------------------------------------------------------
    def quick_allow(self, intent: OrderRequest, portfolio: PortfolioState, view: IntentView, price: Decimal,
                    mult: Decimal) -> bool:
        """True when the exact rules surely allow the intent (see the module docstring); False: ask them.
        Only for a layer without a concentration limit (``_estimate``)."""
        key, q = intent.instrument_id, intent.qty
        for other, pos in portfolio.positions.items():
            if pos.qty and (other != key or pos.multiplier != mult):
                return False  # another exposure, or a position valued with another multiplier
        if not q > _ZERO:
            return False
        sign, held, resting = view.sign, view.held, view.resting
        side = self._sides.get(sign)
        if side is None or side.held is not held or side.resting != resting:
            side = self._sides[sign] = _Side(held, resting, sign, self._count_resting)
        x = side.x
        if x is None:
            return False
        if x < _ZERO:
            toward_flat = q + side.twice
            if toward_flat <= -side.tol:
                return True
            if not toward_flat > side.tol:
                return False
        after = side.x_tol + q
        need = after * (price * mult)  # the largest notional the intent can leave, on its side
        ceiling = self._notional_ceiling
        if ceiling is not None and need > ceiling:
            return False
        ceiling, market = self._var_ceiling, portfolio.market
        if ceiling is not None and market is not None:
            n = len(portfolio.instruments)
            if (market is self._market and market.version == self._unit_version and key == self._unit_key
                    and n == self._unit_n):
                units = self._unit  # unit_vars, without the call
            else:
                units = self.unit_vars(market, key, n)
            unit_var = units[0] if sign > 0 else units[1]
            if unit_var is not None and (unit_var is UNKNOWN or need * unit_var > ceiling):
                return False
        return True

    # -- the VaR of one unit --------------------------------------------------------------------------
    def unit_vars(self, market: MarketView, key: str, n: int) -> UnitVars:
        """The VaR of one long and of one short unit of ``key`` among ``n`` instruments, kept per market
        version (a ``MarketMemo`` view computes it when the bar closes)."""
        if (market is not self._market or market.version != self._unit_version or key != self._unit_key
                or n != self._unit_n):
            self._market, self._unit_key, self._unit_n = market, key, n
            self._renew_units(market)
        return self._unit

    def _renew_units(self, market: MarketView) -> None:
        key, n = self._unit_key, self._unit_n
        asked = self._memo_args.get((key, n))
        if asked is None:  # the memo key and the function that computes it, made once
            asked = self._memo_args[key, n] = ((self, "unit_var", key, n),
                                               lambda view: self._unit_vars_of(view, key, n))
        self._unit_version = market.version
        memo = getattr(market, "memo", None)
        self._unit = memo(*asked) if memo is not None else asked[1](market)

    def renew_after_bar(self) -> None:
        """On the market-data path: when a bar has closed since the unit VaRs were taken, take them again
        now rather than in the next check."""
        market = self._market
        if market is not None and market.version != self._unit_version:
            self._renew_units(market)

    def _unit_vars_of(self, market: MarketView, key: str, n: int) -> UnitVars:
        cfg, index = self._cfg, market.index(key)
        out: list[Decimal | None] = []
        for side in (1.0, -1.0):
            w = [0.0] * n
            w[index] = side
            u = market.portfolio_var(w, cfg.var_confidence, cfg.var_method, cfg.var_horizon_bars)[0]
            out.append(Decimal(repr(u)) if math.isfinite(u) else None if math.isnan(u) else UNKNOWN)
        return out[0], out[1]
