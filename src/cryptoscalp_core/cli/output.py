"""Shared consoles: results on stdout, diagnostics on stderr."""

from __future__ import annotations

from rich.console import Console

console = Console(highlight=False)
error_console = Console(stderr=True, highlight=False)
