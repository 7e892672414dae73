"""The plugin host: entry-point discovery, hook validation and the component registry.

Environment controls (comma-separated entry-point or distribution names):

``CRYPTOSCALP_DISABLED_PLUGINS``  never load these plugins.
``CRYPTOSCALP_LOAD_PLUGINS``      load only these plugins (the core's built-in components always load).
``CRYPTOSCALP_TRACE_PLUGINS=1``   log every hook call with its arguments and result.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from types import ModuleType
from typing import Any

import pluggy

from cryptoscalp_core import hookspecs
from cryptoscalp_core.registry import ComponentRegistry, ComponentSpec

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "cryptoscalp"
DISABLED_ENV = "CRYPTOSCALP_DISABLED_PLUGINS"
ALLOW_ENV = "CRYPTOSCALP_LOAD_PLUGINS"
TRACE_ENV = "CRYPTOSCALP_TRACE_PLUGINS"
CORE_PLUGIN = "core"


@dataclass(slots=True)
class PluginInfo:
    name: str
    dist: str
    version: str
    module: str
    components: list[ComponentSpec] = field(default_factory=list)


@dataclass(slots=True)
class PluginLoadError:
    """A plugin that did not load. ``stage`` is ``import``, ``validate`` or ``register``."""

    name: str
    dist: str
    version: str
    stage: str
    error: str

    def __str__(self) -> str:
        return f"plugin {self.name!r} ({self.dist} {self.version}) failed at {self.stage}: {self.error}"


def _names_from_env(var: str) -> set[str]:
    return {part.strip() for part in os.environ.get(var, "").split(",") if part.strip()}


class PluginHost:
    """Loads plugins once and answers what is installed.

    ``load_entry_points=False`` gives a host with only the core's built-in components plus the
    ``extra`` plugin objects, which is what unit tests of one plugin want.
    """

    def __init__(self, *, load_entry_points: bool = True, extra: tuple[tuple[str, object], ...] = ()) -> None:
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.registry = ComponentRegistry()
        self.plugins: list[PluginInfo] = []
        self.errors: list[PluginLoadError] = []
        self.blocked: list[str] = []
        self.hook_failures = 0
        if os.environ.get(TRACE_ENV, "") not in ("", "0"):
            self.pm.trace.root.setwriter(lambda msg: log.info("hook %s", msg.rstrip()))
            self.pm.enable_tracing()
        from cryptoscalp_core import builtin

        self.add(builtin, CORE_PLUGIN, dist="cryptoscalp-core", version=_core_version())
        if load_entry_points:
            self._load_entry_points()
        for name, plugin in extra:
            self.add(plugin, name)

    @property
    def hook(self) -> Any:
        return self.pm.hook

    # -- loading ----------------------------------------------------------------------------------------
    def _load_entry_points(self) -> None:
        disabled, allowed = _names_from_env(DISABLED_ENV), _names_from_env(ALLOW_ENV)
        eps = sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: ep.name)
        for ep in eps:
            dist, version = _dist_of(ep)
            if ep.name in disabled or dist in disabled or (allowed and not ({ep.name, dist} & allowed)):
                self.blocked.append(ep.name)
                continue
            try:
                module = ep.load()
            except Exception as exc:  # a broken plugin must not stop the others
                self._fail(ep.name, dist, version, "import", exc)
                continue
            self.add(module, ep.name, dist=dist, version=version)

    def add(self, plugin: object, name: str, *, dist: str = "", version: str = "") -> PluginInfo | None:
        """Register one plugin object; returns its info, or ``None`` (and records an error) if rejected."""
        module_name = plugin.__name__ if isinstance(plugin, ModuleType) else type(plugin).__module__
        try:
            self.pm.register(plugin, name=name)
        except Exception as exc:
            self._fail(name, dist, version, "validate", exc)
            return None
        try:
            self.pm.check_pending()
        except pluggy.PluginValidationError as exc:
            self.pm.unregister(plugin)
            self._fail(name, dist, version, "validate", exc)
            return None
        self.registry.current_plugin = name
        try:
            for impl in self.pm.hook.cryptoscalp_register_components.get_hookimpls():
                if impl.plugin is plugin:
                    impl.function(**{arg: self.registry for arg in impl.argnames})
        except Exception as exc:
            self.registry.remove_plugin(name)
            self.pm.unregister(plugin)
            self._fail(name, dist, version, "register", exc)
            return None
        finally:
            self.registry.current_plugin = ""
        info = PluginInfo(name, dist, version, module_name,
                          [spec for spec in self.registry if spec.plugin == name])
        self.plugins.append(info)
        return info

    def _fail(self, name: str, dist: str, version: str, stage: str, exc: BaseException) -> None:
        error = PluginLoadError(name, dist, version, stage, f"{type(exc).__name__}: {exc}")
        self.errors.append(error)
        log.warning("%s", error)

    # -- lifecycle notifications ------------------------------------------------------------------------
    def notify(self, hook_name: str, **kwargs: Any) -> None:
        """Call a lifecycle hook on every plugin; a failing hookimpl is logged and counted, not raised."""
        caller = getattr(self.pm.hook, hook_name)
        for impl in reversed(caller.get_hookimpls()):
            try:
                impl.function(**{arg: kwargs[arg] for arg in impl.argnames})
            except Exception:
                self.hook_failures += 1
                log.exception("lifecycle hook %s of plugin %s failed", hook_name, impl.plugin_name)


def _dist_of(ep: EntryPoint) -> tuple[str, str]:
    dist = getattr(ep, "dist", None)
    if dist is None:
        return "", ""
    return str(dist.metadata["Name"]), str(dist.version)


def _core_version() -> str:
    from cryptoscalp_core import __version__

    return __version__


_default_host: PluginHost | None = None


def default_host() -> PluginHost:
    """The process-wide host with all installed plugins (loaded on first use)."""
    global _default_host
    if _default_host is None:
        _default_host = PluginHost()
    return _default_host
