from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from pydantic import Field, SecretStr

from cryptoscalp_core import hookimpl
from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.plugins import PluginHost
from cryptoscalp_core.profile import ProfileError, load_profile
from cryptoscalp_core.registry import ComponentConfig, ComponentKind

INSTRUMENT = "{id: 'test:BTCUSDT', tick_size: '0.1', lot_size: '0.001', min_notional: '5'}"


class NotionalConfig(ComponentConfig):
    max_notional: float = Field(gt=0)
    resize: bool = False


class VenueConfig(ComponentConfig):
    api_key: SecretStr
    api_secret: SecretStr
    url: str = "ws://127.0.0.1:9"


class _TestComponents:
    @hookimpl
    def cryptoscalp_register_components(self, registry) -> None:
        registry.add(ComponentKind.RISK, "max-notional", lambda config: object(), NotionalConfig)
        registry.add(ComponentKind.RISK, "position-limit", lambda config: object(), NotionalConfig)
        registry.add(ComponentKind.EXECUTOR, "venue", lambda config: object(), VenueConfig)

    @hookimpl
    def cryptoscalp_resolve_instrument(self, venue: str, symbol: str) -> Instrument | None:
        if venue == "known":
            return Instrument(venue=venue, symbol=symbol, tick_size="0.01", lot_size="1")
        return None


@pytest.fixture(scope="module")
def host() -> PluginHost:
    return PluginHost(load_entry_points=False, extra=(("test-components", _TestComponents()),))


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip())
    return path


def load(path: Path, host: PluginHost, env: dict[str, str] | None = None):
    return load_profile(path, host.registry, resolver=host.hook.cryptoscalp_resolve_instrument, env=env or {})


def test_extends_merges_mappings_and_replaces_lists(tmp_path: Path, host: PluginHost) -> None:
    write(tmp_path, "base.yaml", f"""
        mode: backtest
        instruments: [{INSTRUMENT}]
        risk: [{{use: max-notional, max_notional: 100}}]
        store: {{url: "sqlite:///base.db", echo: true}}
    """)
    child = write(tmp_path, "child.yaml", """
        extends: base.yaml
        name: child
        risk: [{use: position-limit, max_notional: 5}]
        store: {url: "sqlite:///child.db"}
    """)
    resolved = load(child, host)
    assert resolved.profile.name == "child"
    assert [c.spec.name for c in resolved.stacks["risk"]] == ["position-limit"]
    store = resolved.components["store"].config
    assert store.url == "sqlite:///child.db"  # type: ignore[attr-defined]
    assert store.echo is True  # type: ignore[attr-defined]  # kept from the base: mappings merge
    assert resolved.instruments[0].tick_size == Instrument(
        venue="test", symbol="BTCUSDT", tick_size="0.1", lot_size="0.001").tick_size


def test_extends_cycle_names_the_chain(tmp_path: Path, host: PluginHost) -> None:
    write(tmp_path, "a.yaml", "extends: b.yaml\nmode: backtest\n")
    write(tmp_path, "b.yaml", "extends: a.yaml\n")
    with pytest.raises(ProfileError, match=r"extends cycle: a\.yaml -> b\.yaml -> a\.yaml"):
        load(tmp_path / "a.yaml", host)


def test_missing_base_file_is_a_clear_error(tmp_path: Path, host: PluginHost) -> None:
    path = write(tmp_path, "p.yaml", "extends: nowhere.yaml\nmode: backtest\n")
    with pytest.raises(ProfileError, match="cannot read profile"):
        load(path, host)


def test_env_substitution_default_escape_and_missing(tmp_path: Path, host: PluginHost) -> None:
    path = write(tmp_path, "p.yaml", f"""
        mode: backtest
        description: "costs $${{HOME}}"
        instruments: [{INSTRUMENT}]
        risk: [{{use: max-notional, max_notional: "${{LIMIT:-250}}"}}]
        store: {{url: "sqlite:///${{RUN_DIR}}/x.db"}}
    """)
    resolved = load(path, host, env={"RUN_DIR": "runs"})
    assert resolved.profile.description == "costs ${HOME}"
    assert resolved.stacks["risk"][0].config.max_notional == 250  # type: ignore[attr-defined]
    assert resolved.components["store"].config.url == "sqlite:///runs/x.db"  # type: ignore[attr-defined]
    with pytest.raises(ProfileError) as info:
        load(path, host, env={})
    [issue] = info.value.issues
    assert issue.path == "store.url" and "RUN_DIR" in issue.message and issue.line == 5


def test_bad_component_setting_names_path_line_and_value(tmp_path: Path, host: PluginHost) -> None:
    path = write(tmp_path, "p.yaml", f"""
        mode: backtest
        instruments: [{INSTRUMENT}]
        risk:
          - use: max-notional
            max_notional: 100
          - use: position-limit
            max_notional: -5
            colour: blue
    """)
    with pytest.raises(ProfileError) as info:
        load(path, host)
    issues = {i.path: i for i in info.value.issues}
    assert set(issues) == {"risk[1].max_notional", "risk[1].colour"}
    assert issues["risk[1].max_notional"].value == -5 and issues["risk[1].max_notional"].line == 7
    assert "greater than 0" in issues["risk[1].max_notional"].message
    assert issues["risk[1].colour"].message == "unknown setting"
    assert f"{path}:7: risk[1].max_notional" in info.value.render()


def test_unknown_component_lists_installed_and_closest(tmp_path: Path, host: PluginHost) -> None:
    path = write(tmp_path, "p.yaml", f"""
        mode: backtest
        instruments: [{INSTRUMENT}]
        risk: [{{use: postion-limit, max_notional: 1}}]
    """)
    with pytest.raises(ProfileError) as info:
        load(path, host)
    [issue] = info.value.issues
    assert issue.path == "risk[0].use"
    assert "max-notional, position-limit" in issue.message
    assert "did you mean 'position-limit'" in issue.message


def test_top_level_errors_collected_together(tmp_path: Path, host: PluginHost) -> None:
    path = write(tmp_path, "p.yaml", """
        mode: sideways
        instruments: []
        colour: red
    """)
    with pytest.raises(ProfileError) as info:
        load(path, host)
    paths = sorted(i.path for i in info.value.issues)
    assert paths == ["colour", "instruments", "mode"]


def test_instrument_strings_resolve_through_plugins(tmp_path: Path, host: PluginHost) -> None:
    path = write(tmp_path, "p.yaml", """
        mode: paper
        instruments: ["known:ETHUSDT", "unknown-venue:XRPUSDT", "no-colon"]
    """)
    with pytest.raises(ProfileError) as info:
        load(path, host)
    messages = {i.path: i.message for i in info.value.issues}
    assert set(messages) == {"instruments[2]"}  # shape errors stop validation before resolution
    path.write_text('mode: paper\ninstruments: ["known:ETHUSDT", "unknown-venue:XRPUSDT"]\n')
    with pytest.raises(ProfileError) as info:
        load(path, host)
    [issue] = info.value.issues
    assert issue.path == "instruments[1]" and "unknown-venue" in issue.message


def test_secret_values_never_appear_in_errors(tmp_path: Path, host: PluginHost) -> None:
    path = write(tmp_path, "p.yaml", f"""
        mode: live
        instruments: [{INSTRUMENT}]
        executor: {{use: venue, api_key: "${{KEY}}", api_secret: 12345, url: 7}}
    """)
    with pytest.raises(ProfileError) as info:
        load(path, host, env={"KEY": "sk-live-abcdef"})
    text = info.value.render()
    assert "executor.api_secret" in text and "executor.url" in text
    assert "12345" not in text
    resolved_ok = path.read_text().replace("api_secret: 12345, url: 7", 'api_secret: "s3cr3t-value"')
    path.write_text(resolved_ok)
    resolved = load(path, host, env={"KEY": "sk-live-abcdef"})
    assert "sk-live-abcdef" not in repr(resolved) and "s3cr3t-value" not in repr(resolved)


def test_default_sections_and_clock_by_mode(tmp_path: Path, host: PluginHost) -> None:
    path = write(tmp_path, "p.yaml", f"mode: backtest\ninstruments: [{INSTRUMENT}]\n")
    resolved = load(path, host)
    names = {k: c.spec.name for k, c in resolved.components.items()}
    assert names == {"store": "sqlalchemy", "cache": "memory", "bus": "memory", "clock": "simulated",
                     "secrets": "env"}
    path.write_text(f"mode: live\ninstruments: [{INSTRUMENT}]\n")
    assert load(path, host).components["clock"].spec.name == "live"


def test_invalid_yaml_reports_line(tmp_path: Path, host: PluginHost) -> None:
    path = write(tmp_path, "p.yaml", "mode: backtest\ninstruments: [a\nrisk: {\n")
    with pytest.raises(ProfileError) as info:
        load(path, host)
    assert "not valid YAML" in info.value.issues[0].message
    assert info.value.issues[0].line is not None


def test_redacted_dump_masks_nested_secrets(tmp_path: Path, host: PluginHost) -> None:
    path = write(tmp_path, "p.yaml", f"""
        mode: live
        instruments: [{INSTRUMENT}]
        executor: {{use: venue, api_key: "${{KEY}}", api_secret: "plain-secret", url: "ws://127.0.0.1:9"}}
    """)
    resolved = load(path, host, env={"KEY": "sk-live-abcdef"})
    dumped = repr(resolved.profile.redacted())
    assert "sk-live-abcdef" not in dumped and "plain-secret" not in dumped
    assert resolved.profile.redacted()["executor"]["url"] == "ws://127.0.0.1:9"
