"""Profile errors: every problem found, each with its YAML path, source line and the bad value."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

_SECRET_KEY = re.compile(r"key|secret|password|passphrase|token|signature", re.IGNORECASE)
_MISSING = object()


def format_path(parts: Sequence[str | int]) -> str:
    """``("risk", 1, "max_notional")`` → ``risk[1].max_notional``."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "<root>"


def looks_secret(path: str) -> bool:
    last = re.split(r"[.\[\]]", path.rstrip("]"))[-1] if path else ""
    return bool(_SECRET_KEY.search(last))


def redact(value: Any, key: str = "") -> Any:
    """A copy of ``value`` with every value under a secret-like key replaced by ``'***'``."""
    if key and _SECRET_KEY.search(key) and value not in (None, ""):
        return "***"
    if isinstance(value, dict):
        return {k: redact(v, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


@dataclass(frozen=True, slots=True)
class ProfileIssue:
    path: str
    message: str
    value: Any = _MISSING
    file: str | None = None
    line: int | None = None

    def render(self) -> str:
        where = ""
        if self.file:
            where = f"{self.file}:{self.line}: " if self.line else f"{self.file}: "
        shown = ""
        if self.value is not _MISSING:
            value = "'***'" if looks_secret(self.path) else repr(self.value)
            if len(value) > 80:
                value = value[:77] + "..."
            shown = f" (got {value})"
        return f"{where}{self.path}: {self.message}{shown}"


class ProfileError(Exception):
    """A profile that cannot be used. ``issues`` lists every problem found, not only the first."""

    def __init__(self, issues: Sequence[ProfileIssue], source: str | None = None) -> None:
        self.issues = list(issues)
        self.source = source
        super().__init__(self.render())

    def render(self) -> str:
        head = f"invalid profile {self.source}" if self.source else "invalid profile"
        noun = "problem" if len(self.issues) == 1 else "problems"
        lines = [f"{head}: {len(self.issues)} {noun}"]
        lines += [f"  - {issue.render()}" for issue in self.issues]
        return "\n".join(lines)
