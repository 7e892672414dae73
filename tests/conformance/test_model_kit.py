"""The Model suite passes a correct model and fails each broken one on exactly its case."""

from __future__ import annotations

from collections.abc import Callable

SUITE = '''
import pytest
import sample_models as m
from cryptoscalp_core.testing.conformance import ModelConformance


class Base(ModelConformance):
    model_class = m.TinyLinear

    @pytest.fixture
    def make_model(self):
        return self.model_class


class TestGood(Base):
    pass

''' + "".join(f'''
class Test{name}(Base):
    model_class = m.{name}
''' for name in ("ColumnShaped", "Unbounded", "NanBlind", "ZeroBeforeFit", "Jittery", "ForgetsMean",
                 "NoPartialFit", "InPlace"))

EXPECTED = {
    "TestColumnShaped": {"MODEL-01"},
    "TestUnbounded": {"MODEL-02"},
    "TestNanBlind": {"MODEL-03"},
    "TestZeroBeforeFit": {"MODEL-04"},
    "TestJittery": {"MODEL-05"},
    "TestForgetsMean": {"MODEL-06"},
    "TestNoPartialFit": {"MODEL-07"},
    "TestInPlace": {"MODEL-08"},
}


def test_model_suite(run_suite: Callable[..., object]) -> None:
    outcome = run_suite(SUITE, "sample_models")
    all_cases = {f"MODEL-{i:02d}" for i in range(1, 9)}
    assert outcome.passed("TestGood") == all_cases, outcome.output
    for cls, expected in EXPECTED.items():
        assert outcome.failed(cls) == expected, (cls, outcome.failed(cls), outcome.output[-3000:])
        assert outcome.passed(cls) == all_cases - expected, cls
