"""Errors raised by the SQL store. Each one names the offending id, never a credential."""

from __future__ import annotations

from cryptoscalp_core.ports.store import DuplicateOrderError

__all__ = ["DuplicateOrderError", "DuplicateRunError", "StoreConfigError", "UnknownOrderError",
           "UnknownRunError"]


class UnknownOrderError(LookupError):
    """A state was recorded for a client order id that was never journaled."""


class UnknownRunError(LookupError):
    """A run id that :meth:`~cryptoscalp_core.ports.store.Store.start_run` never created."""


class DuplicateRunError(ValueError):
    """``start_run`` for an existing run id with a *different* record."""


class StoreConfigError(ValueError):
    """A store setting that cannot work (an unparsable database URL, for instance)."""
