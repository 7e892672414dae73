"""The README's profile snippet is a valid configuration of this layer."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from cryptoscalp_risk_volatility_stops.config import VolatilityStopsConfig
from cryptoscalp_risk_volatility_stops.plugin import make_volatility_stops

from cryptoscalp_core.testing.conformance import sample_instruments

README = Path(__file__).parents[1] / "README.md"


def test_readme_snippet_validates() -> None:
    block = re.search(r"```yaml\n(.*?)```", README.read_text(), re.S)
    assert block is not None
    settings = dict(yaml.safe_load(block.group(1))["risk"][0])
    assert settings.pop("use") == "volatility-stops"
    config = VolatilityStopsConfig.model_validate(settings)
    layer = make_volatility_stops(config, sample_instruments())
    assert layer.name == "volatility-stops"
