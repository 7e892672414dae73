"""Remembering the lowest equity the loss rules let pass decides as running the rules on every check."""

from __future__ import annotations

from decimal import Decimal

from cryptoscalp_risk_account_guard.config import AccountGuardConfig
from cryptoscalp_risk_account_guard.guard import AccountGuardLayer
from hypothesis import given, settings
from hypothesis import strategies as st

from cryptoscalp_core.domain.orders import OrderRequest, OrderSide, OrderType
from cryptoscalp_core.ports.risk import PortfolioState

DAY = 86_400 * 1_000_000_000
INTENT = OrderRequest(client_order_id="c", instrument_id="x:Y", side=OrderSide.BUY, type=OrderType.MARKET,
                      qty=Decimal(1))


class Unremembered(AccountGuardLayer):
    """The reference: forgets the cleared equity before every update, so the loss rules always run."""

    def _update(self, pf: PortfolioState) -> None:
        self._cleared = None
        super()._update(pf)


# equities with many digits (rounding at 28 digits is part of the rule), on a few days
steps = st.tuples(st.integers(0, 3), st.decimals(Decimal("-50"), Decimal("20000"), places=24, allow_nan=False,
                                                  allow_infinity=False), st.booleans())


@settings(max_examples=300, deadline=None)
@given(st.lists(steps, min_size=1, max_size=40), st.none() | st.integers(1, 3000).map(Decimal),
       st.none() | st.floats(0.1, 50), st.none() | st.floats(0.1, 50), st.integers(0, 40))
def test_cleared_equity_matches_the_rules(path: list[tuple[int, Decimal, bool]], daily: Decimal | None,
                                          daily_pct: float | None, dd_pct: float | None, reset_at: int) -> None:
    if daily is None and daily_pct is None and dd_pct is None:
        daily = Decimal(100)
    cfg = AccountGuardConfig(max_daily_loss=daily, max_daily_loss_pct=daily_pct, max_drawdown_pct=dd_pct)
    layer, reference = AccountGuardLayer(cfg), Unremembered(cfg)
    for i, (day, equity, protect) in enumerate(path):
        if i == reset_at:
            layer.reset()
            reference.reset()
        pf = PortfolioState(ts_ns=day * DAY + i, instruments={}, equity=equity, maintenance_margin=Decimal(1))
        if protect:
            assert layer.protective_actions(pf) == reference.protective_actions(pf)
        else:
            got, want = layer.check_fast(INTENT, pf, None), reference.check(INTENT, pf)
            assert (got.action, got.reason, got.detail) == (want.action, want.reason, want.detail)
        assert (layer.latched, layer.latch_reason) == (reference.latched, reference.latch_reason)
        assert dict(layer.metrics) == dict(reference.metrics)
