"""``check_fast`` (the risk stack's entry, with its ``IntentView``) decides as ``check``."""

from __future__ import annotations

from decimal import Decimal

from cryptoscalp_risk_position_limit.config import PositionLimitConfig
from cryptoscalp_risk_position_limit.layer import PositionLimitLayer
from hypothesis import given, settings
from hypothesis import strategies as st

from cryptoscalp_core.domain.orders import OrderRequest
from cryptoscalp_core.ports.risk import IntentView, PortfolioState, RiskAction
from cryptoscalp_core.testing.conformance import sample_instruments, scenarios

INSTRUMENTS = sample_instruments()
limits = st.none() | st.integers(0, 10**4).map(lambda n: Decimal(n).scaleb(-2))


@settings(max_examples=300, deadline=None)
@given(scenarios(INSTRUMENTS), limits, limits, limits, st.booleans())
def test_fast_check_matches_check(scenario: tuple[OrderRequest, PortfolioState], position: Decimal | None,
                                  long: Decimal | None, short: Decimal | None, resize: bool) -> None:
    intent, pf = scenario
    cfg = PositionLimitConfig(max_position=position if position is not None or long or short else Decimal(1),
                              max_long=long, max_short=short, resize=resize)
    fast, plain = PositionLimitLayer(cfg), PositionLimitLayer(cfg)
    got, want = fast.check_fast(intent, pf, IntentView.of(intent, pf)), plain.check(intent, pf)
    assert (got.action, got.reason, got.qty) == (want.action, want.reason, want.qty)
    assert got.detail == want.detail or got.action is RiskAction.RESIZE
    assert dict(fast.metrics) == dict(plain.metrics)


@settings(max_examples=150, deadline=None)
@given(st.lists(scenarios(INSTRUMENTS), min_size=1, max_size=6), st.lists(st.integers(0, 5), min_size=1, max_size=20),
       limits)
def test_a_long_lived_layer_decides_as_a_fresh_one(cases: list[tuple[OrderRequest, PortfolioState]],
                                                   order: list[int], position: Decimal | None) -> None:
    """One layer checking a run of intents, portfolios coming back (the same position and open-order
    objects, whose exposure it keeps) and changing in between, decides each as a new layer does."""
    cfg = PositionLimitConfig(max_position=position if position is not None else Decimal(1), resize=True)
    kept = PositionLimitLayer(cfg)
    for k in order:
        intent, pf = cases[k % len(cases)]
        got = kept.check_fast(intent, pf, IntentView.of(intent, pf))
        want = PositionLimitLayer(cfg).check(intent, pf)
        assert (got.action, got.reason, got.qty) == (want.action, want.reason, want.qty)
