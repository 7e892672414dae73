"""Docs that must not drift from the code."""

from __future__ import annotations

import inspect
from pathlib import Path

from cryptoscalp_core import hookspecs
from cryptoscalp_core.plugins import PluginHost
from cryptoscalp_core.profile.reference import render_reference

ROOT = Path(__file__).resolve().parents[2]


def hook_names() -> list[str]:
    return [name for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
            if name.startswith("cryptoscalp_")]


def test_every_hook_is_documented_for_plugin_authors() -> None:
    guide = (ROOT / "docs" / "writing-a-plugin.md").read_text()
    names = hook_names()
    assert len(names) >= 10
    missing = [name for name in names if f"`{name}(" not in guide]
    assert missing == []


def test_every_hookspec_has_a_docstring() -> None:
    assert [name for name in hook_names() if not (getattr(hookspecs, name).__doc__ or "").strip()] == []


def test_profile_reference_is_current() -> None:
    """Regenerate with: .venv/bin/cryptoscalp profile reference -o docs/reference/profile.md"""
    committed = (ROOT / "docs" / "reference" / "profile.md").read_text()
    assert committed == render_reference(PluginHost().registry)
