"""The simulated account: one cross-margined wallet in quote currency, positions, fees, funding, margin.

Money is exact (:class:`~decimal.Decimal`): ``balance`` = initial balance + realised PnL - fees + funding
received. Positions are valued at each instrument's valuation price (mark, else last trade, else mid):

* ``equity`` = balance + unrealised PnL of every position.
* initial margin of an order = notional / leverage, counting only the part that would *increase* the
  position (a reducing order needs none). An order whose initial margin, added to that of the positions
  and of the resting orders, would exceed the equity is rejected (``insufficient_margin``).
* maintenance margin = ``maintenance_margin_rate`` x the positions' notional; when equity falls below
  it the venue liquidates (see :mod:`cryptoscalp_core.sim.venue`).

Funding is ``Position.apply_funding``: qty x mark x rate, positive rate: longs pay shorts.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from decimal import Decimal

from cryptoscalp_core.domain import _exact
from cryptoscalp_core.domain.instrument import Instrument, Number, to_decimal
from cryptoscalp_core.domain.orders import Fill
from cryptoscalp_core.domain.positions import Position
from cryptoscalp_core.sim.config import SimVenueConfig

ZERO = Decimal(0)
_BPS = Decimal("0.0001")
#: Relative headroom above which the float shadow's answer to a margin question is taken as final. Float
#: error on these sums is ~1e-15 relative; anything within 1e-6 is decided exactly in Decimal.
_SAFE = 1e-6


class Account:
    def __init__(self, instruments: Sequence[Instrument], config: SimVenueConfig) -> None:
        self.instruments = list(instruments)
        self.balance = to_decimal(config.initial_balance, "initial balance")
        self.leverage = to_decimal(config.leverage, "leverage")
        self.mmr = to_decimal(config.maintenance_margin_rate, "maintenance margin rate")
        self.positions: dict[str, Position] = {i.id: Position(i.id, i.contract_multiplier) for i in instruments}
        if config.fees_bps is None:
            self._rates = [(i.maker_fee, i.taker_fee) for i in instruments]
        else:
            maker = _exact.mul(to_decimal(config.fees_bps.maker, "maker fee"), _BPS)
            taker = _exact.mul(to_decimal(config.fees_bps.taker, "taker fee"), _BPS)
            self._rates = [(maker, taker)] * len(self.instruments)
        # Float shadows of the exact state, one per instrument: the vectorised scans read them per batch,
        # and the margin checks use them to skip the exact Decimal test when the answer is far from close.
        self.qty_f = [0.0] * len(self.instruments)
        self.avg_f = [0.0] * len(self.instruments)
        self._mult_f = [float(i.contract_multiplier) for i in self.instruments]
        self._mmr_f = float(self.mmr)
        self._lev_f = float(self.leverage)

    def fee(self, inst: int, price: Decimal, qty: Decimal, maker: bool) -> Decimal:
        rate = self._rates[inst][0 if maker else 1]
        return _exact.mul(self.instruments[inst].notional(price, qty), rate)

    def apply_fill(self, inst: int, fill: Fill) -> None:
        position = self.positions[fill.instrument_id]
        realised = position.apply_fill(fill)
        self.balance = _exact.add(self.balance, realised, _exact.neg(fill.fee))
        self.qty_f[inst] = float(position.qty)
        self.avg_f[inst] = float(position.avg_entry_price)

    def apply_funding(self, inst: int, rate: float, mark: float) -> Decimal:
        """Pay or receive one funding payment; return the amount received."""
        received = self.positions[self.instruments[inst].id].apply_funding(rate, mark)
        self.balance = _exact.add(self.balance, received)
        return received

    @property
    def has_positions(self) -> bool:
        return any(self.qty_f)

    def position_qty(self, inst: int) -> Decimal:
        return self.positions[self.instruments[inst].id].qty

    # -- valuation ---------------------------------------------------------------------------------------
    def unrealised(self, prices: Sequence[float]) -> Decimal:
        total = ZERO
        for inst, position in enumerate(self.positions.values()):
            if position.qty and not math.isnan(prices[inst]):
                total = _exact.add(total, position.unrealised_pnl(prices[inst]))
        return total

    def equity(self, prices: Sequence[float]) -> Decimal:
        return _exact.add(self.balance, self.unrealised(prices))

    def notional(self, prices: Sequence[float]) -> Decimal:
        total = ZERO
        for inst, position in enumerate(self.positions.values()):
            if position.qty and not math.isnan(prices[inst]):
                total = _exact.add(total, self.instruments[inst].notional(prices[inst], abs(position.qty)))
        return total

    def maintenance(self, prices: Sequence[float]) -> Decimal:
        return _exact.mul(self.mmr, self.notional(prices))

    def below_maintenance(self, prices: Sequence[float]) -> bool:
        if not self.has_positions:
            return False
        equity, notional = self._float_valuation(prices)
        maintenance = self._mmr_f * notional
        if equity - maintenance > _SAFE * (abs(equity) + maintenance):
            return False  # far from the threshold: the exact answer cannot differ
        return self.equity(prices) < self.maintenance(prices)

    def _float_valuation(self, prices: Sequence[float]) -> tuple[float, float]:
        """(equity, notional of the positions) in floats, from the shadows; NaN prices count as flat, as in
        :meth:`unrealised` and :meth:`notional`."""
        equity, notional = float(self.balance), 0.0
        for inst, q in enumerate(self.qty_f):
            p = prices[inst]
            if q and p == p:
                equity += q * (p - self.avg_f[inst]) * self._mult_f[inst]
                notional += abs(q) * p * self._mult_f[inst]
        return equity, notional

    def margin_ratio(self, prices: Sequence[float]) -> Decimal:
        """Maintenance margin / equity: 0 when flat, above 1 means liquidation."""
        maintenance = self.maintenance(prices)
        if not maintenance:
            return ZERO
        equity = self.equity(prices)
        return Decimal("Infinity") if equity <= 0 else _exact.div(maintenance, equity)

    def margin_ok(self, prices: Sequence[float], resting: Decimal, inst: int, sign: int, qty: Decimal,
                  price: Decimal) -> bool:
        """Whether an order of ``qty`` at ``price`` fits: ``resting`` is the margin of resting orders."""
        held = self.position_qty(inst)
        increase = qty if held * sign >= 0 else max(ZERO, _exact.sub(qty, abs(held)))
        if not increase:
            return True
        equity, notional = self._float_valuation(prices)
        used_f = notional / self._lev_f + float(resting)
        need_f = float(price) * float(increase) * self._mult_f[inst] / self._lev_f
        if equity - used_f - need_f > _SAFE * (abs(equity) + used_f + need_f):
            return True  # fits by a wide margin: the exact answer cannot differ
        used = _exact.add(_exact.div(self.notional(prices), self.leverage), resting)
        need = _exact.div(self.instruments[inst].notional(price, increase), self.leverage)
        return _exact.add(used, need) <= self.equity(prices)

    def liquidation_price(self, inst: int, prices: Sequence[float]) -> float:
        """The valuation price of ``inst`` at which equity meets maintenance, other prices fixed (float,
        used to find candidate rows; the exact check is :meth:`below_maintenance`). NaN when flat."""
        q = self.qty_f[inst]
        if not q:
            return math.nan
        mult, mmr = self._mult_f[inst], self._mmr_f
        equity, notional = self._float_valuation([p if i != inst else math.nan for i, p in enumerate(prices)])
        rest = equity - mmr * notional
        avg = self.avg_f[inst]
        # balance + rest_u + (m - avg) q mult = mmr (rest_n + |q| m mult)  ->  solve for m
        k = mult * (q - mmr * abs(q))
        return (avg * q * mult - rest) / k if k else math.nan

    def prices_from(self, marks: Mapping[str, Number] | None, fallback: Sequence[float]) -> list[float]:
        if not marks:
            return list(fallback)
        return [float(marks[i.id]) if i.id in marks else fallback[n] for n, i in enumerate(self.instruments)]
