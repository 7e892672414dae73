"""Throwaway plugin distributions for plugin-host tests.

Each call of ``make_dist`` writes a real module and a ``.dist-info`` with an ``entry_points.txt`` into a
temporary folder on ``sys.path``, so discovery goes through ``importlib.metadata`` exactly as for an
installed plugin.
"""

from __future__ import annotations

import importlib
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

MakeDist = Callable[..., None]


@pytest.fixture
def make_dist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[MakeDist]:
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    modules: list[str] = []

    def make(dist: str, module: str, source: str, ep_name: str | None = None) -> None:
        (site / f"{module}.py").write_text(textwrap.dedent(source))
        info = site / f"{dist.replace('-', '_')}-1.2.3.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.2.3\n")
        (info / "entry_points.txt").write_text(f"[cryptoscalp]\n{ep_name or dist} = {module}\n")
        modules.append(module)
        importlib.invalidate_caches()

    yield make
    for module in modules:
        sys.modules.pop(module, None)
    importlib.invalidate_caches()
