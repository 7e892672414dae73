"""Hook implementations only: what the ``account-guard`` entry point gives the plugin host."""

from __future__ import annotations

import typer

from cryptoscalp_core import hookimpl
from cryptoscalp_core.ports.store import Store
from cryptoscalp_core.profile.model import Profile
from cryptoscalp_core.registry import ComponentKind, ComponentRegistry
from cryptoscalp_risk_account_guard.config import AccountGuardConfig
from cryptoscalp_risk_account_guard.guard import AccountGuardLayer, make_latch


def make_account_guard(config: AccountGuardConfig, *, store: Store | None = None, profile: Profile | None = None,
                       mode: str = "backtest") -> AccountGuardLayer:
    """Daily loss, drawdown, margin ratio and liquidation distance limits; latched kill switch (no I/O here:
    the persisted latch is read at the first check)."""
    return AccountGuardLayer(config, make_latch(config, store, profile.name if profile else "", mode))


@hookimpl
def cryptoscalp_register_components(registry: ComponentRegistry) -> None:
    registry.add(ComponentKind.RISK, "account-guard", make_account_guard, AccountGuardConfig)


@hookimpl
def cryptoscalp_register_commands(app: typer.Typer) -> None:
    from cryptoscalp_risk_account_guard.commands import register

    register(app)
