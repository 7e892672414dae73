"""Settings validation, and the README's profile snippet stays valid."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pydantic
import pytest
import yaml
from cryptoscalp_risk_position_limit.config import PositionLimitConfig
from cryptoscalp_risk_position_limit.plugin import make_position_limit

from cryptoscalp_core.testing.conformance import sample_instruments

README = Path(__file__).parents[1] / "README.md"


@pytest.mark.parametrize("settings", [
    {"max_position": "0.05"}, {"max_short": 0}, {"per_instrument": {"binance-usdm:BTCUSDT": {"max_long": 1}}},
])
def test_one_limit_is_enough(settings: dict[str, Any]) -> None:
    assert PositionLimitConfig.model_validate(settings).resize is True


@pytest.mark.parametrize("bad", [
    {}, {"resize": False}, {"per_instrument": {"binance-usdm:BTCUSDT": {}}}, {"max_position": -1},
    {"max_long": "abc"}, {"max_position": 1, "max_size": 2},
    {"max_position": 1, "per_instrument": {"x:Y": {"limit": 1}}},
])
def test_bad_settings_are_refused(bad: dict[str, Any]) -> None:
    with pytest.raises(pydantic.ValidationError):
        PositionLimitConfig.model_validate(bad)


def test_readme_snippet_validates() -> None:
    block = re.search(r"```yaml\n(.*?)```", README.read_text(), re.S)
    assert block is not None
    settings = dict(yaml.safe_load(block.group(1))["risk"][1])
    assert settings.pop("use") == "position-limit"
    config = PositionLimitConfig.model_validate(settings)
    assert str(config.max_position) == "0.05"  # YAML float -> exact decimal
    assert make_position_limit(config, sample_instruments()).name == "position-limit"
