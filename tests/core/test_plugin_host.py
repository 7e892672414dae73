from __future__ import annotations

import pytest

from cryptoscalp_core import hookimpl
from cryptoscalp_core.plugins import PluginHost
from cryptoscalp_core.registry import ComponentKind

GOOD = """
from cryptoscalp_core import hookimpl
from cryptoscalp_core.registry import ComponentConfig, ComponentKind

class Cfg(ComponentConfig):
    max_qty: float = 1.0

def make(config: Cfg) -> object:
    '''Test layer {name}.'''
    return object()

@hookimpl
def cryptoscalp_register_components(registry):
    registry.add(ComponentKind.RISK, "{name}", make, Cfg)
"""


def good(name: str) -> str:
    return GOOD.replace("{name}", name)


def test_good_plugin_registers_components_with_version(make_dist) -> None:
    make_dist("cs-test-good", "cs_test_good", good("limit-a"))
    host = PluginHost()
    info = next(p for p in host.plugins if p.name == "cs-test-good")
    assert (info.dist, info.version) == ("cs-test-good", "1.2.3")
    assert [(c.kind, c.name) for c in info.components] == [(ComponentKind.RISK, "limit-a")]
    assert host.registry.get("risk", "limit-a").description == "Test layer limit-a."


def test_import_error_is_reported_by_name_and_others_load(make_dist) -> None:
    make_dist("cs-test-broken", "cs_test_broken", "import not_a_module_anywhere\n")
    make_dist("cs-test-fine", "cs_test_fine", good("limit-b"))
    host = PluginHost()
    [err] = [e for e in host.errors if e.name == "cs-test-broken"]
    assert err.stage == "import"
    assert "not_a_module_anywhere" in err.error
    assert "limit-b" in host.registry.names("risk")


def test_hookimpl_matching_no_spec_is_rejected(make_dist) -> None:
    make_dist("cs-test-typo", "cs_test_typo", good("limit-c") + """
@hookimpl
def cryptoscalp_register_component(registry):  # missing 's': a typo must not pass silently
    pass
""")
    host = PluginHost()
    [err] = [e for e in host.errors if e.name == "cs-test-typo"]
    assert err.stage == "validate"
    assert "cryptoscalp_register_component" in err.error
    assert "limit-c" not in host.registry.names("risk")
    assert "cs-test-typo" not in [p.name for p in host.plugins]


def test_hookimpl_with_unknown_argument_is_rejected(make_dist) -> None:
    make_dist("cs-test-args", "cs_test_args", """
from cryptoscalp_core import hookimpl

@hookimpl
def cryptoscalp_register_components(registry, extra_argument):
    pass
""")
    host = PluginHost()
    [err] = [e for e in host.errors if e.name == "cs-test-args"]
    assert err.stage == "validate" and "extra_argument" in err.error


def test_failing_registration_removes_partial_components(make_dist) -> None:
    make_dist("cs-test-half", "cs_test_half", good("limit-d").replace(
        'registry.add(ComponentKind.RISK, "limit-d", make, Cfg)',
        'registry.add(ComponentKind.RISK, "limit-d", make, Cfg)\n    raise RuntimeError("boom")'))
    host = PluginHost()
    [err] = [e for e in host.errors if e.name == "cs-test-half"]
    assert err.stage == "register" and "boom" in err.error
    assert "limit-d" not in host.registry.names("risk")


def test_duplicate_component_names_both_plugins(make_dist) -> None:
    make_dist("cs-test-dup1", "cs_test_dup1", good("same-name"))
    make_dist("cs-test-dup2", "cs_test_dup2", good("same-name"))
    host = PluginHost()
    [err] = [e for e in host.errors if e.name == "cs-test-dup2"]
    assert "cs-test-dup1" in err.error and "cs-test-dup2" in err.error
    assert host.registry.get("risk", "same-name").plugin == "cs-test-dup1"


def test_disabled_env_blocks_plugin(make_dist, monkeypatch: pytest.MonkeyPatch) -> None:
    make_dist("cs-test-blocked", "cs_test_blocked", good("limit-e"))
    make_dist("cs-test-kept", "cs_test_kept", good("limit-f"))
    monkeypatch.setenv("CRYPTOSCALP_DISABLED_PLUGINS", "other, cs-test-blocked")
    host = PluginHost()
    assert "cs-test-blocked" in host.blocked
    assert "limit-e" not in host.registry.names("risk")
    assert "limit-f" in host.registry.names("risk")


def test_allow_list_loads_only_named_plugins_plus_core(make_dist, monkeypatch: pytest.MonkeyPatch) -> None:
    make_dist("cs-test-only", "cs_test_only", good("limit-g"))
    make_dist("cs-test-other", "cs_test_other", good("limit-h"))
    monkeypatch.setenv("CRYPTOSCALP_LOAD_PLUGINS", "cs-test-only")
    host = PluginHost()
    assert {p.name for p in host.plugins} == {"core", "cs-test-only"}
    assert "sqlalchemy" in host.registry.names("store")


def test_lifecycle_hook_failure_is_counted_not_raised() -> None:
    seen: list[str] = []

    class Broken:
        @hookimpl
        def cryptoscalp_health_changed(self, report: object) -> None:
            raise ValueError("observer bug")

    class Observer:
        @hookimpl
        def cryptoscalp_health_changed(self, report: object) -> None:
            seen.append(str(report))

    host = PluginHost(load_entry_points=False, extra=(("broken", Broken()), ("observer", Observer())))
    host.notify("cryptoscalp_health_changed", report="feed degraded")
    assert seen == ["feed degraded"]
    assert host.hook_failures == 1


def test_core_components_are_registered_without_entry_points() -> None:
    host = PluginHost(load_entry_points=False)
    assert host.errors == []
    assert host.registry.names("clock") == ["live", "simulated"]
    assert {"memory", "redis"} <= set(host.registry.names("cache"))
    assert {"memory", "redis-streams"} <= set(host.registry.names("bus"))
