"""Kill switch triggers, the latch, protective actions and the soft limits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from cryptoscalp_risk_account_guard.config import AccountGuardConfig
from cryptoscalp_risk_account_guard.guard import AccountGuardLayer
from cryptoscalp_risk_account_guard.latch import KillSwitchLatch
from cryptoscalp_risk_account_guard.plugin import make_account_guard
from hypothesis import given, settings
from hypothesis import strategies as st

from cryptoscalp_core.domain.orders import OrderRequest, OrderSide
from cryptoscalp_core.ports.risk import PortfolioState, ProtectiveKind, RiskAction
from cryptoscalp_core.profile.model import Profile
from cryptoscalp_core.storage.sql_store import SqlStore

DAY = 86_400 * 1_000_000_000
State = Callable[..., PortfolioState]
Intent = Callable[..., OrderRequest]


def guard(**settings: Any) -> AccountGuardLayer:
    return AccountGuardLayer(AccountGuardConfig.model_validate(settings))


def test_daily_loss_latches_flattens_and_rejects(make_state: State, buy: Intent) -> None:
    layer = guard(max_daily_loss=100)
    assert layer.check(buy(), make_state("10000")).action is RiskAction.ALLOW
    assert layer.protective_actions(make_state("9950", qty="0.1")) == ()
    actions = layer.protective_actions(make_state("9900", qty="0.1"))
    assert [a.kind for a in actions] == [ProtectiveKind.CANCEL_ALL, ProtectiveKind.FLATTEN]
    assert all(a.reason == "kill_switch" and a.instrument_id == "" for a in actions)
    refused = layer.check(buy(), make_state("9900"))
    assert (refused.action, refused.reason) == (RiskAction.REJECT, "kill_switch")
    assert layer.check(buy(reduce_only=True, side=OrderSide.SELL), make_state("9900")).action is RiskAction.ALLOW
    # a new day and a recovered equity do not unlatch it
    assert layer.check(buy(), make_state("20000", ts=5 * DAY)).reason == "kill_switch"
    assert layer.metrics["trip.daily_loss"] == 1


def test_reflatten_while_a_position_is_left(make_state: State) -> None:
    layer = guard(max_drawdown_pct=1, reflatten_interval_ms=1000)
    layer.protective_actions(make_state("10000", ts=DAY))
    assert len(layer.protective_actions(make_state("9800", ts=DAY + 1, qty="0.1"))) == 2
    assert layer.protective_actions(make_state("9800", ts=DAY + 500_000_000, qty="0.1")) == ()
    again = layer.protective_actions(make_state("9800", ts=DAY + 1_000_000_001, qty="0.1"))
    assert [a.kind for a in again] == [ProtectiveKind.CANCEL_ALL, ProtectiveKind.FLATTEN]
    assert layer.protective_actions(make_state("9800", ts=DAY + 5 * 10**9, qty="0")) == ()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(1, 20_000), min_size=1, max_size=30), st.integers(1, 50), st.integers(1, 2000))
def test_triggers_match_reference(equities: list[int], dd_pct: int, daily: int) -> None:
    """Equity path within one day: the switch latches at the first point where the loss since the day's first
    value reaches ``daily`` or the fall from the running peak reaches ``dd_pct`` percent — and not before."""
    layer = guard(max_daily_loss=daily, max_drawdown_pct=dd_pct)
    first, peak, want = equities[0], 0, None
    for i, e in enumerate(equities):
        peak = max(peak, e)
        if want is None and (first - e >= daily or (peak - e) * 100 >= dd_pct * peak):
            want = i
    got = None
    for i, e in enumerate(equities):
        layer.protective_actions(_state(e, i))
        if layer.latched and got is None:
            got = i
    assert got == want


def _state(equity: int, i: int) -> PortfolioState:
    from decimal import Decimal

    return PortfolioState(ts_ns=DAY + i, instruments={}, equity=Decimal(equity))


def test_soft_limits_block_only_new_exposure(make_state: State, buy: Intent) -> None:
    layer = guard(max_margin_ratio=0.5, min_liquidation_distance_bps=500)
    high = make_state("1000", qty="0.1", maintenance="600", ratio="0.6")
    assert layer.check(buy(), high).reason == "margin_ratio"
    assert layer.check(buy(reduce_only=True, side=OrderSide.SELL), high).action is RiskAction.ALLOW
    # equity 1000, maintenance 400, gross 6000: 600/6000 = 10 % = 1000 bps away: fine; 300 bps is not
    assert layer.check(buy(), make_state("1000", qty="0.1", maintenance="400", ratio="0.4")).action is RiskAction.ALLOW
    near = make_state("580", qty="0.1", maintenance="400", ratio="0.4")
    assert layer.check(buy(), near).reason == "liquidation_distance"
    assert not layer.latched


def test_margin_kill(make_state: State, buy: Intent) -> None:
    layer = guard(kill_margin_ratio=0.8)
    layer.check(buy(), make_state("1000", qty="0.1", maintenance="900", ratio="0.9"))
    assert layer.latched and layer.latch_reason == "margin_kill"


def test_no_account_figures_no_judgement(buy: Intent) -> None:
    layer = guard(max_daily_loss=1)
    assert layer.check(buy(), PortfolioState(ts_ns=0, instruments={})).action is RiskAction.ALLOW
    assert not layer.latched


def test_latch_survives_a_restart(store: SqlStore, make_state: State, buy: Intent) -> None:
    profile = Profile(name="live-btc", mode="live", instruments=["binance-usdm:BTCUSDT"])
    first = make_account_guard(AccountGuardConfig(max_daily_loss=100), store=store, profile=profile, mode="live")
    first.protective_actions(make_state("10000"))
    first.protective_actions(make_state("9000", qty="0.1"))
    assert first.latched
    # the process restarts: a fresh layer reads the latch at its first check and flattens what is left
    second = make_account_guard(AccountGuardConfig(max_daily_loss=100), store=store, profile=profile, mode="live")
    assert second.check(buy(), make_state("9000")).reason == "kill_switch"
    assert [a.kind for a in second.protective_actions(make_state("9000", qty="0.1"))] == [
        ProtectiveKind.CANCEL_ALL, ProtectiveKind.FLATTEN]
    before = KillSwitchLatch(store, "live-btc").reset("alice", "checked")
    assert before.latched and before.reason == "daily_loss"
    third = make_account_guard(AccountGuardConfig(max_daily_loss=100), store=store, profile=profile, mode="live")
    assert third.check(buy(), make_state("9000")).action is RiskAction.ALLOW
    kinds = [e.kind for e in store.audit_events("kill-switch:live-btc")]
    assert kinds == ["kill_switch_latched", "kill_switch_reset"]


def test_backtests_do_not_persist_by_default(store: SqlStore, make_state: State) -> None:
    profile = Profile(name="bt", mode="backtest", instruments=["binance-usdm:BTCUSDT"])
    layer = make_account_guard(AccountGuardConfig(max_daily_loss=100), store=store, profile=profile, mode="backtest")
    layer.protective_actions(make_state("10000"))
    layer.protective_actions(make_state("9000"))
    assert layer.latched and store.audit_events("kill-switch:bt") == []


def test_unreadable_latch_fails_closed(store: SqlStore, make_state: State, buy: Intent) -> None:
    store.close()

    class Broken(KillSwitchLatch):
        def load(self) -> Any:
            raise ConnectionError("database is down")

    layer = AccountGuardLayer(AccountGuardConfig(max_daily_loss=100), Broken(store, "x"))
    assert layer.check(buy(), make_state("10000")).reason == "kill_switch"
    assert layer.latch_reason == "latch_unreadable"


@pytest.mark.parametrize("bad", [{}, {"max_daily_loss": 0}, {"max_drawdown_pct": 100}, {"latch_key": ""},
                                 {"max_daily_loss": 1, "unknown": 1}])
def test_bad_settings(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        AccountGuardConfig.model_validate(bad)
