"""The README's profile snippet is a valid configuration of this layer."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from cryptoscalp_risk_throughput_breaker.config import ThroughputBreakerConfig
from cryptoscalp_risk_throughput_breaker.plugin import make_throughput_breaker

README = Path(__file__).parents[1] / "README.md"


def test_readme_snippet_validates() -> None:
    block = re.search(r"```yaml\n(.*?)```", README.read_text(), re.S)
    assert block is not None
    settings = dict(yaml.safe_load(block.group(1))["risk"][0])
    assert settings.pop("use") == "throughput-breaker"
    layer = make_throughput_breaker(ThroughputBreakerConfig.model_validate(settings))
    assert layer.name == "throughput-breaker"
