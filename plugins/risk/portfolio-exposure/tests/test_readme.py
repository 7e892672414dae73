"""The README's profile snippet is a valid configuration of this layer."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from cryptoscalp_risk_portfolio_exposure.config import PortfolioExposureConfig
from cryptoscalp_risk_portfolio_exposure.plugin import make_portfolio_exposure

from cryptoscalp_core.testing.conformance import sample_instruments

README = Path(__file__).parents[1] / "README.md"


def test_readme_snippet_validates() -> None:
    block = re.search(r"```yaml\n(.*?)```", README.read_text(), re.S)
    assert block is not None
    settings = dict(yaml.safe_load(block.group(1))["risk"][0])
    assert settings.pop("use") == "portfolio-exposure"
    config = PortfolioExposureConfig.model_validate(settings)
    layer = make_portfolio_exposure(config, sample_instruments())
    assert layer.name == "portfolio-exposure"
