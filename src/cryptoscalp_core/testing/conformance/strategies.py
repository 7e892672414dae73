"""Hypothesis strategies for well-formed order intents and portfolio states.

"Well-formed" means what :meth:`OrderRequest.validate` accepts, on the instrument's tick and lot grid, for
an instrument the portfolio knows. Everything else varies: prices near and far from the mid, missing mid
or mark prices, tiny and huge quantities, long/short/absent positions, resting orders on either side,
reduce-only flags, times in force. A risk layer must answer all of them without raising.

The leaf strategies are module constants and parameters are applied by arithmetic on drawn integers:
building strategies inside a draw defeats Hypothesis' caching and makes each example ~10x slower.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import strategies as st

from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.domain.orders import Order, OrderRequest, OrderSide, OrderStatus, OrderType, TimeInForce
from cryptoscalp_core.domain.positions import Position
from cryptoscalp_core.ports.risk import PortfolioState

Scenario = tuple[OrderRequest, PortfolioState]

_OPEN = st.sampled_from([OrderStatus.PENDING_NEW, OrderStatus.NEW, OrderStatus.PARTIALLY_FILLED,
                         OrderStatus.PENDING_CANCEL])
_SIDE = st.sampled_from(list(OrderSide))
_TYPE = st.sampled_from([OrderType.LIMIT, OrderType.LIMIT, OrderType.MARKET])
_LIMIT_TIF = st.sampled_from(list(TimeInForce))
_MARKET_TIF = st.sampled_from([TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK])
_ANY_TICKS = st.integers(1, 10**8)
_MID_TICKS = st.integers(10, 10**7)
_NO_MID = st.integers(0, 9).map(lambda n: n == 0)  # one example in ten has no mid price yet
_BAND = st.sampled_from([10_000, 200, 5, 1])  # price spread as a divisor of the mid: 0.01% .. 100%
_OFFSET = st.integers(-(10**6), 10**6)  # millionths of the spread
_LOTS = st.one_of(st.integers(1, 20), st.integers(1, 10**4), st.integers(1, 10**7))
_POSITION_LOTS = st.integers(-(10**6), 10**6)
_TS = st.integers(0, 2**62)
_ID = st.integers(0, 36**8)
_FRACTION = st.floats(0.0, 1.0)
_BOOL = st.booleans()
_N_OPEN = st.integers(0, 4)
_EQUITY = st.integers(0, 10**7)


def _price_ticks(draw: st.DrawFn, mid_ticks: int | None) -> int:
    if mid_ticks is None:
        return draw(_ANY_TICKS)
    spread = max(1, mid_ticks // draw(_BAND))
    return max(1, mid_ticks + spread * draw(_OFFSET) // 10**6)


def _request(draw: st.DrawFn, instrument: Instrument, mid_ticks: int | None, prefix: str) -> OrderRequest:
    order_type = draw(_TYPE)
    price: Decimal | None = None
    if order_type is OrderType.LIMIT:
        price, tif = instrument.tick_size * _price_ticks(draw, mid_ticks), draw(_LIMIT_TIF)
    else:
        tif = draw(_MARKET_TIF)
    return OrderRequest(
        client_order_id=f"{prefix}{draw(_ID):x}", instrument_id=instrument.id, side=draw(_SIDE),
        type=order_type, qty=instrument.lot_size * draw(_LOTS), price=price, time_in_force=tif,
        reduce_only=draw(_BOOL), ts_created=draw(_TS),
    )


@st.composite
def order_requests(draw: st.DrawFn, instrument: Instrument, mid_ticks: int | None = None,
                   prefix: str = "h") -> OrderRequest:
    """A well-formed intent for ``instrument`` (limit prices around ``mid_ticks`` when given)."""
    return _request(draw, instrument, mid_ticks, prefix)


def scenarios(instruments: tuple[Instrument, ...]) -> st.SearchStrategy[Scenario]:
    """An intent and the portfolio it is checked against, for one of ``instruments``."""
    by_id = {inst.id: inst for inst in instruments}
    pick = st.sampled_from(instruments)

    @st.composite
    def scenario(draw: st.DrawFn) -> Scenario:
        instrument = draw(pick)
        tick, lot = instrument.tick_size, instrument.lot_size
        mid_ticks = None if draw(_NO_MID) else draw(_MID_TICKS)
        mids = {} if mid_ticks is None else {instrument.id: tick * mid_ticks}
        marks = {instrument.id: tick * _price_ticks(draw, mid_ticks)} if draw(_BOOL) else {}
        positions: dict[str, Position] = {}
        if draw(_BOOL):
            pos = Position(instrument.id, instrument.contract_multiplier)
            pos.qty = lot * draw(_POSITION_LOTS)
            pos.avg_entry_price = tick * _price_ticks(draw, mid_ticks) if pos.qty else Decimal(0)
            positions[instrument.id] = pos
        open_orders: dict[str, Order] = {}
        for _ in range(draw(_N_OPEN)):
            request = _request(draw, instrument, mid_ticks, "o")
            status, filled = draw(_OPEN), Decimal(0)
            lots = int(request.qty / lot)
            if status is OrderStatus.PARTIALLY_FILLED and lots > 1:
                filled = lot * max(1, min(lots - 1, int(lots * draw(_FRACTION))))
            open_orders[request.client_order_id] = Order(request=request, status=status, filled_qty=filled)
        intent = _request(draw, instrument, mid_ticks, "h")
        portfolio = PortfolioState(
            ts_ns=draw(_TS), instruments=by_id, positions=positions, open_orders=open_orders,
            mid_prices=mids, mark_prices=marks, equity=Decimal(draw(_EQUITY)),
        )
        return intent, portfolio

    return scenario()
