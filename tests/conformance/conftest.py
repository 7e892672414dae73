"""Runs conformance suites in throwaway pytest sessions (pytester) and reports outcomes by case id.

``pytester`` is registered here from ``pytest_configure`` rather than ``pytest_plugins``: pytest refuses
``pytest_plugins`` in a conftest below the rootdir when the whole tree is collected from the root.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

# Import the kit (and with it numpy, hypothesis, pydantic), every installed plugin and every compiled kernel
# in this process before any inner session runs: pytester restores sys.modules after each in-process run,
# and numpy and Cython extension modules refuse to be imported twice.
import cryptoscalp_core.plugins
import cryptoscalp_core.testing.conformance


def _preload_extensions() -> None:
    import importlib
    import pkgutil

    try:
        import cryptoscalp_speedups
    except ImportError:
        return
    for info in pkgutil.walk_packages(cryptoscalp_speedups.__path__, "cryptoscalp_speedups."):
        importlib.import_module(info.name)


cryptoscalp_core.plugins.default_host()
_preload_extensions()

SAMPLES = Path(__file__).parent / "samples"
_CASE = re.compile(r"::(?P<cls>Test\w+)::test_(?P<port>[a-z]+)_(?P<num>\d+)")


def pytest_configure(config: pytest.Config) -> None:
    if not config.pluginmanager.has_plugin("pytester"):
        config.pluginmanager.import_plugin("pytester")


@dataclass
class SuiteOutcome:
    """Case ids per test class: a case failed if any of its (parametrized) items failed."""

    output: str
    cases: dict[str, dict[str, str]] = field(default_factory=dict)

    def record(self, nodeid: str, outcome: str) -> None:
        match = _CASE.search(nodeid)
        assert match, f"unexpected test id {nodeid}"
        case = f"{match['port'].upper()}-{match['num']}"
        per_class = self.cases.setdefault(match["cls"], {})
        if per_class.get(case) != "failed":
            per_class[case] = outcome

    def failed(self, cls: str) -> set[str]:
        return {case for case, outcome in self.cases[cls].items() if outcome == "failed"}

    def passed(self, cls: str) -> set[str]:
        return {case for case, outcome in self.cases[cls].items() if outcome == "passed"}


@pytest.fixture
def run_suite(pytester: pytest.Pytester) -> Callable[..., SuiteOutcome]:
    """Copy sample modules next to ``source`` (a test module) and run it in-process."""

    def run(source: str, *samples: str) -> SuiteOutcome:
        for name in samples:
            pytester.makepyfile(**{name: (SAMPLES / f"{name}.py").read_text()})
        pytester.makepyfile(test_suite=source)
        pytester.syspathinsert()
        result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-p", "no:asyncio", "--tb=line")
        outcome = SuiteOutcome(result.stdout.str())
        collect_errors = [r for r in result.reprec.getreports("pytest_collectreport") if r.failed]
        assert not collect_errors, outcome.output
        for report in result.reprec.getreports("pytest_runtest_logreport"):
            if report.when == "call" or report.failed or report.skipped:
                outcome.record(report.nodeid, report.outcome)
        return outcome

    return run
