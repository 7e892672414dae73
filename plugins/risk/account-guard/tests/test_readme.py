"""The README's profile snippet is a valid configuration of this layer."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from cryptoscalp_risk_account_guard.config import AccountGuardConfig
from cryptoscalp_risk_account_guard.plugin import make_account_guard

README = Path(__file__).parents[1] / "README.md"


def test_readme_snippet_validates() -> None:
    block = re.search(r"```yaml\n(.*?)```", README.read_text(), re.S)
    assert block is not None
    settings = dict(yaml.safe_load(block.group(1))["risk"][0])
    assert settings.pop("use") == "account-guard"
    layer = make_account_guard(AccountGuardConfig.model_validate(settings))
    assert layer.name == "account-guard"
