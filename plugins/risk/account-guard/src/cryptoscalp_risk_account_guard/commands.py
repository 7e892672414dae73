"""``cryptoscalp risk reset-kill-switch PROFILE`` and ``cryptoscalp risk kill-switch-status PROFILE``.

Both read the profile for the store and the latch key of its ``account-guard`` layer, so the operator
names the deployment, not a database row.
"""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from cryptoscalp_core.ports.store import Store
    from cryptoscalp_risk_account_guard.latch import KillSwitchLatch


def risk_group(app: typer.Typer) -> typer.Typer:
    """The ``risk`` command group, shared with other risk plugins (created by whichever comes first)."""
    for info in app.registered_groups:
        if info.name == "risk" and info.typer_instance is not None:
            return info.typer_instance
    group = typer.Typer(help="Risk operations: kill switch, stress tests.", no_args_is_help=True)
    app.add_typer(group, name="risk")
    return group


def _open_latch(profile: Path) -> tuple[Store, KillSwitchLatch]:
    from cryptoscalp_core.container import build_container
    from cryptoscalp_core.plugins import default_host
    from cryptoscalp_core.profile import ProfileError, load_profile
    from cryptoscalp_risk_account_guard.config import AccountGuardConfig
    from cryptoscalp_risk_account_guard.latch import KillSwitchLatch

    host = default_host()
    try:
        resolved = load_profile(profile, host.registry, resolver=host.hook.cryptoscalp_resolve_instrument)
    except ProfileError as exc:
        typer.echo(exc.render(), err=True)
        raise typer.Exit(1) from None
    guards = [c for c in resolved.stacks.get("risk", ()) if c.spec.name == "account-guard"]
    if not guards:
        typer.echo(f"{profile}: no account-guard layer in the risk stack", err=True)
        raise typer.Exit(1)
    config = guards[0].config
    assert isinstance(config, AccountGuardConfig)
    if not config.persist or (resolved.profile.mode == "backtest" and not config.persist_in_backtest):
        typer.echo(f"{profile}: the kill switch of this profile is not persisted (it ends with each run)")
        raise typer.Exit(0)
    store: Store = build_container(resolved, host).store()
    store.migrate()
    return store, KillSwitchLatch(store, config.latch_key or resolved.profile.name or "default")


def register(app: typer.Typer) -> None:
    group = risk_group(app)

    @group.command("reset-kill-switch")
    def reset_kill_switch(
        profile: Annotated[Path, typer.Argument(help="The deployment's profile YAML.")],
        operator: Annotated[str, typer.Option(help="Who resets it (recorded).")] = "",
        note: Annotated[str, typer.Option(help="Why (recorded).")] = "",
    ) -> None:
        """Reset the latched kill switch of PROFILE's account-guard layer (an audit event records it)."""
        store, latch = _open_latch(profile)
        try:
            before = latch.reset(operator or getpass.getuser(), note)
        finally:
            store.close()
        if before.latched:
            typer.echo(f"kill switch {latch.key!r} reset (was latched: {before.reason})")
        else:
            typer.echo(f"kill switch {latch.key!r} was not latched; reset recorded")

    @group.command("kill-switch-status")
    def kill_switch_status(profile: Annotated[Path, typer.Argument(help="The deployment's profile YAML.")]) -> None:
        """Show whether PROFILE's kill switch is latched (exit code 2 when it is)."""
        store, latch = _open_latch(profile)
        try:
            state = latch.load()
        finally:
            store.close()
        if state.latched:
            typer.echo(f"LATCHED since {state.ts_ns} ns: {state.reason} ({state.detail})")
            raise typer.Exit(2)
        typer.echo("not latched")
