"""cryptoscalp core: ports, hooks, profiles, container and storage for crypto perpetual scalping.

Plugin authors import :data:`hookimpl` from here; see :mod:`cryptoscalp_core.hookspecs` for the hooks.
"""

from importlib.metadata import PackageNotFoundError, version

import pluggy

try:
    __version__ = version("cryptoscalp-core")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.0.0+unknown"

hookimpl = pluggy.HookimplMarker("cryptoscalp")
"""Decorator marking a function as the implementation of a hook in :mod:`cryptoscalp_core.hookspecs`."""

__all__ = ["__version__", "hookimpl"]
