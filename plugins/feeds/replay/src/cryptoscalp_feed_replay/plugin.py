"""Hook implementations of the ``feed-replay`` plugin: the ``replay`` feed and ``cryptoscalp data``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cryptoscalp_core import hookimpl
from cryptoscalp_core.registry import ComponentKind, ComponentRegistry
from cryptoscalp_feed_replay.config import ReplayConfig
from cryptoscalp_feed_replay.feed import make_replay_feed

if TYPE_CHECKING:
    import typer


@hookimpl
def cryptoscalp_register_components(registry: ComponentRegistry) -> None:
    registry.add(ComponentKind.FEED, "replay", make_replay_feed, ReplayConfig)


@hookimpl
def cryptoscalp_register_commands(app: typer.Typer) -> None:
    # The command module imports only typer at load time; pyarrow and rich load when the command runs.
    from cryptoscalp_feed_replay.download.cli import data_app

    app.add_typer(data_app, name="data")
