"""The Plugin suite passes a correct installed plugin and fails broken ones on their cases.

Each fake plugin is "installed" the way pip does it: a ``*.dist-info`` folder with ``METADATA`` and
``entry_points.txt`` on ``sys.path``, which is what ``importlib.metadata`` reads.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

PLUGINS = {  # entry point -> (distribution, object in sample_plugins)
    "kit-good": ("cryptoscalp-risk-kit-good", "good"),
    "kit-required": ("cryptoscalp-risk-kit-required", "required"),
    "kit-not-a-port": ("cryptoscalp-risk-kit-not-a-port", "not_a_port"),
    "kit-unlisted": ("cryptoscalp-risk-kit-unlisted", "unlisted"),
    "kit-typo": ("cryptoscalp-risk-kit-typo", "typo"),
}

SUITE = '''
from cryptoscalp_core.registry import ComponentKind
from cryptoscalp_core.testing.conformance import PluginConformance

''' + "".join(f'''
class Test{obj.title().replace("_", "")}(PluginConformance):
    entry_point = "{ep}"
    distribution = "{dist}"
    components = ((ComponentKind.RISK, "{ep}"),)
''' for ep, (dist, obj) in PLUGINS.items()) + '''

class TestMissing(PluginConformance):
    entry_point = "kit-never-installed"
    distribution = "cryptoscalp-risk-kit-never-installed"
    components = ((ComponentKind.RISK, "kit-never-installed"),)
'''

EXPECTED = {
    "TestGood": set(),
    "TestRequired": {"PLUGIN-04", "PLUGIN-05"},
    "TestNotAPort": {"PLUGIN-05"},
    "TestUnlisted": {"PLUGIN-03"},
    "TestTypo": {"PLUGIN-02", "PLUGIN-03", "PLUGIN-04", "PLUGIN-05"},
    "TestMissing": {"PLUGIN-01", "PLUGIN-02", "PLUGIN-03", "PLUGIN-04", "PLUGIN-05"},
}


def _install(pytester: pytest.Pytester) -> None:
    for ep, (dist, obj) in PLUGINS.items():
        info = pytester.path / f"{dist.replace('-', '_')}-0.1.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.1.0\n")
        (info / "entry_points.txt").write_text(f"[cryptoscalp]\n{ep} = sample_plugins:{obj}\n")


def test_plugin_suite(pytester: pytest.Pytester, run_suite: Callable[..., object]) -> None:
    _install(pytester)
    outcome = run_suite(SUITE, "sample_plugins")
    all_cases = {f"PLUGIN-{i:02d}" for i in range(1, 6)}
    for cls, expected in EXPECTED.items():
        assert outcome.failed(cls) == expected, (cls, outcome.failed(cls), outcome.output[-3000:])
        assert outcome.passed(cls) == all_cases - expected, cls
