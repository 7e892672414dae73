"""The layer agrees with an independent reference in exact fractions: largest quantity allowed by the
gross, net and concentration rules, checked by trying quantities rather than solving for them."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import numpy as np
from cryptoscalp_risk_portfolio_exposure.clusters import clusters
from cryptoscalp_risk_portfolio_exposure.config import PortfolioExposureConfig
from cryptoscalp_risk_portfolio_exposure.layer import PortfolioExposureLayer
from hypothesis import given, settings
from hypothesis import strategies as st

from cryptoscalp_core.domain.orders import OrderRequest
from cryptoscalp_core.ports.risk import PortfolioState, RiskAction
from cryptoscalp_core.testing.conformance import sample_instruments, scenarios

INSTRUMENTS = sample_instruments()


def _exposures(intent: OrderRequest, pf: PortfolioState, price: Fraction) -> dict[str, Fraction]:
    out: dict[str, Fraction] = {}
    for key, pos in pf.positions.items():
        if pos.qty:
            if key == intent.instrument_id:
                p = price
            else:
                ref = next((x for x in (pf.mid_prices.get(key), pf.mark_prices.get(key)) if x and x > 0), None)
                p = Fraction(ref) if ref is not None else Fraction(pos.avg_entry_price)
            out[key] = Fraction(pos.qty) * p * Fraction(pos.multiplier)
    sign = intent.side.sign
    unit = price * Fraction(pf.instruments[intent.instrument_id].contract_multiplier)
    for o in pf.open_orders.values():
        r = o.request
        if (r.instrument_id == intent.instrument_id and r.side is intent.side and o.status.is_open
                and r.client_order_id != intent.client_order_id):
            out[intent.instrument_id] = out.get(intent.instrument_id, Fraction(0)) + sign * Fraction(
                r.qty - o.filled_qty) * unit
    return out


def within(cfg: PortfolioExposureConfig, exp: dict[str, Fraction], key: str, extra: Fraction) -> bool:
    after = dict(exp)
    after[key] = after.get(key, Fraction(0)) + extra
    gross = sum(abs(v) for v in after.values())
    if cfg.max_gross_notional is not None and gross > Fraction(cfg.max_gross_notional):
        return False
    if cfg.max_net_notional is not None and abs(sum(after.values())) > Fraction(cfg.max_net_notional):
        return False
    if cfg.max_concentration is not None and gross >= Fraction(cfg.concentration_min_gross) and gross > 0:
        return abs(after[key]) / gross <= Fraction(repr(cfg.max_concentration))
    return True


limits = st.none() | st.integers(1, 10**7).map(Decimal)
@st.composite
def configs(draw: st.DrawFn) -> PortfolioExposureConfig:
    gross, net = draw(limits), draw(limits)
    concentration = draw(st.none() | st.sampled_from([0.3, 0.5, 0.8, 0.95]))
    if gross is None and net is None and concentration is None:
        gross = Decimal(draw(st.integers(1, 10**7)))
    return PortfolioExposureConfig(max_gross_notional=gross, max_net_notional=net, max_concentration=concentration,
                                   concentration_min_gross=Decimal(draw(st.integers(0, 10**6))),
                                   resize=draw(st.booleans()))


@settings(max_examples=300, deadline=None)
@given(configs(), scenarios(INSTRUMENTS))
def test_layer_matches_reference(cfg: PortfolioExposureConfig, scenario: tuple[OrderRequest, PortfolioState]) -> None:
    intent, pf = scenario
    decision = PortfolioExposureLayer(cfg).check(intent, pf)
    if intent.reduce_only:
        assert decision.action is RiskAction.ALLOW
        return
    ref = intent.price if intent.price is not None else next(
        (x for x in (pf.mid_prices.get(intent.instrument_id), pf.mark_prices.get(intent.instrument_id))
         if x is not None and x > 0), None)
    if ref is None:
        assert decision.reason == "no_reference_price"
        return
    price = Fraction(ref)
    inst = pf.instruments[intent.instrument_id]
    exp = _exposures(intent, pf, price)
    unit = price * Fraction(inst.contract_multiplier)
    sign = intent.side.sign
    mine = exp.get(intent.instrument_id, Fraction(0))
    q = Fraction(intent.qty)
    if abs(mine + sign * q * unit) <= abs(mine) or within(cfg, exp, intent.instrument_id, sign * q * unit):
        assert decision.action is RiskAction.ALLOW, decision
        return
    assert decision.action is not RiskAction.ALLOW, decision
    if decision.action is RiskAction.RESIZE:
        got = Fraction(decision.qty)
        lot = Fraction(inst.lot_size)
        assert got < q and (got / lot).denominator == 1
        # the resized intent fits, and one more lot would not (unless the concentration rule, which the
        # layer solves on the full intent's gross, stops applying)
        assert within(cfg, exp, intent.instrument_id, sign * got * unit)
        if cfg.max_concentration is None:
            assert not within(cfg, exp, intent.instrument_id, sign * (got + lot) * unit)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 7).flatmap(lambda n: st.tuples(
    st.just(n), st.lists(st.floats(-1, 1), min_size=n * n, max_size=n * n))), st.floats(0.1, 1.0))
def test_clusters_are_connected_components(drawn: tuple[int, list[float]], threshold: float) -> None:
    n, values = drawn
    m = np.array(values).reshape(n, n)
    corr = (m + m.T) / 2
    np.fill_diagonal(corr, 1.0)
    labels = clusters(corr, threshold)
    # reference: breadth-first search from each instrument
    for i in range(n):
        seen, todo = {i}, [i]
        while todo:
            k = todo.pop()
            for j in range(n):
                if j not in seen and corr[k, j] >= threshold:
                    seen.add(j)
                    todo.append(j)
        assert {j for j in range(n) if labels[j] == labels[i]} == seen
        assert labels[i] == min(seen)
