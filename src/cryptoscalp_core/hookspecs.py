"""The plugin contract: every hook cryptoscalp calls, with its arguments and when it is called.

A plugin is a module (or object) with functions decorated by :data:`cryptoscalp_core.hookimpl` whose
names match the specs below. It is announced by an entry point in the ``cryptoscalp`` group::

    [project.entry-points.cryptoscalp]
    my-plugin = "my_package.plugin"

Functions whose name starts with ``cryptoscalp_`` but match no spec make the plugin fail to load (a
typo would otherwise be silently ignored). Argument names must match the spec; a hookimpl may accept a
subset of them.

Two families of hooks exist, and the split is deliberate:

* **Registration** hooks run once at start-up and return or register what the plugin provides.
* **Lifecycle** hooks observe coarse events (a run started, an order changed state, a fill, a health
  change, a model promotion). They are never called per market event: the hot path goes through the
  ports that the container wires directly. A lifecycle hookimpl must be quick and must not raise; an
  exception is logged and counted, and does not stop the run.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import typer

    from cryptoscalp_core.domain.instrument import Instrument
    from cryptoscalp_core.domain.orders import Fill, Order
    from cryptoscalp_core.ports.diagnostics import HealthReport
    from cryptoscalp_core.ports.store import RunRecord
    from cryptoscalp_core.profile.model import Profile
    from cryptoscalp_core.registry import ComponentRegistry

PROJECT = "cryptoscalp"
hookspec = pluggy.HookspecMarker(PROJECT)


# -- registration -----------------------------------------------------------------------------------------


@hookspec
def cryptoscalp_register_components(registry: ComponentRegistry) -> None:
    """Register the components this plugin provides.

    Call ``registry.add(kind, name, factory, config, description)`` once per component; ``kind`` is a
    :class:`~cryptoscalp_core.registry.ComponentKind`, ``name`` the value a profile gives to ``use:``,
    ``config`` a subclass of :class:`~cryptoscalp_core.registry.ComponentConfig` that validates the
    component's profile settings. Registering a ``(kind, name)`` that another plugin already registered
    is an error reported against this plugin.

    Called once per plugin when the plugin host loads plugins.
    """


@hookspec
def cryptoscalp_register_commands(app: typer.Typer) -> None:
    """Add sub-commands to the ``cryptoscalp`` command line (``app.command()`` or ``app.add_typer()``).

    Called once when the CLI starts. Keep imports of heavy libraries inside the command functions so
    ``cryptoscalp --help`` stays fast.
    """


@hookspec
def cryptoscalp_container_providers(profile: Profile) -> Mapping[str, Any] | None:
    """Contribute dependency-injector providers to the run's container.

    Return a mapping of name to provider (for example ``providers.Singleton(MetricsServer, port=9100)``).
    Each name becomes an attribute of the container and may be requested by name as a keyword
    parameter of any component factory. Names must not shadow the core's (``clock``, ``store``…).

    Called once per run while the container is assembled, before anything connects.
    """


@hookspec(firstresult=True)
def cryptoscalp_resolve_instrument(venue: str, symbol: str) -> Instrument | None:
    """Return the :class:`~cryptoscalp_core.domain.instrument.Instrument` for ``venue:symbol``, or
    ``None`` if this plugin does not know the venue.

    Used for profile instruments given as plain ``"venue:SYMBOL"`` strings. Stops at the first non-None
    result. Must not do network I/O (use shipped reference data or a cache).
    """


# -- lifecycle --------------------------------------------------------------------------------------------


@hookspec
def cryptoscalp_run_started(run: RunRecord) -> None:
    """A run (backtest, paper or live) has started; its record is in the store."""


@hookspec
def cryptoscalp_run_stopped(run: RunRecord) -> None:
    """A run has ended; ``run.status`` says how (``finished``, ``failed``, ``interrupted``)."""


@hookspec
def cryptoscalp_order_updated(run_id: str, order: Order) -> None:
    """An order changed state (accepted, rejected, cancelled, expired, filled). Called after the new
    state is journaled."""


@hookspec
def cryptoscalp_order_filled(run_id: str, fill: Fill) -> None:
    """An execution happened. Called after the fill is stored, before the order's own update."""


@hookspec
def cryptoscalp_health_changed(report: HealthReport) -> None:
    """A component's health changed (for example OK → DEGRADED after a feed stall)."""


@hookspec
def cryptoscalp_model_promoted(name: str, version: str, stage: str) -> None:
    """A model version moved to a registry stage (``candidate``, ``shadow``, ``production``,
    ``retired``)."""
