"""Settings validation, and the README's profile snippet stays valid."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pydantic
import pytest
import yaml
from cryptoscalp_risk_order_sanity.config import OrderSanityConfig
from cryptoscalp_risk_order_sanity.plugin import make_order_sanity

from cryptoscalp_core.testing.conformance import sample_instruments

README = Path(__file__).parents[1] / "README.md"


def test_defaults_validate() -> None:
    config = OrderSanityConfig()
    assert config.max_qty is None and config.max_notional is None and not config.resize


@pytest.mark.parametrize("bad", [
    {"price_band_bps": 0}, {"max_qty": -1}, {"max_notional": 0}, {"duplicate_window_ns": -1},
    {"duplicate_memory": 0}, {"reference": "last"}, {"max_size": 1}, {"per_instrument": {"x:Y": {"max_qty": 0}}},
])
def test_bad_settings_are_refused(bad: dict[str, Any]) -> None:
    with pytest.raises(pydantic.ValidationError):
        OrderSanityConfig.model_validate(bad)


def test_yaml_numbers_become_exact_decimals() -> None:
    config = OrderSanityConfig.model_validate(yaml.safe_load("{max_qty: 0.1, max_notional: 5000.5}"))
    assert str(config.max_qty) == "0.1" and str(config.max_notional) == "5000.5"


def test_readme_snippet_validates() -> None:
    block = re.search(r"```yaml\n(.*?)```", README.read_text(), re.S)
    assert block is not None
    settings = dict(yaml.safe_load(block.group(1))["risk"][0])
    assert settings.pop("use") == "order-sanity"
    layer = make_order_sanity(OrderSanityConfig.model_validate(settings), sample_instruments())
    assert layer.name == "order-sanity"
