"""Feature columns named in settings: exact names, globs over the feature engine's names, or indices."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Sequence
from typing import Protocol

from cryptoscalp_models_torch.config import Column

_TRAILING_NUMBER = re.compile(r"(\d+)$")


class HasNames(Protocol):
    """What a factory needs from the feature engine: its column names, in row order."""

    @property
    def names(self) -> tuple[str, ...]: ...


class ColumnError(ValueError):
    pass


def _level(name: str) -> int:
    m = _TRAILING_NUMBER.search(name)
    return int(m.group(1)) if m else -1


def resolve(selectors: Sequence[Column], names: Sequence[str] | None, n_features: int, setting: str, *,
            by_level: bool = False) -> list[int]:
    """Column indices for ``selectors`` in order (each glob's matches sorted by name, or by the number at
    the end of the name when ``by_level``). Names need the engine's ``names``; a selector that matches
    nothing, an index out of range or a column picked twice is an error naming the setting."""
    out: list[int] = []
    for sel in selectors:
        if isinstance(sel, int):
            if not 0 <= sel < n_features:
                raise ColumnError(f"{setting}: column index {sel} is outside 0..{n_features - 1}")
            out.append(sel)
            continue
        if names is None:
            raise ColumnError(f"{setting}: {sel!r} is a column name, but the feature names are unknown here "
                              f"(build the model through a profile, whose feature engine gives them, or use "
                              f"column indices)")
        hits = [i for i, n in enumerate(names) if fnmatch.fnmatchcase(n, sel)]
        if not hits:
            raise ColumnError(f"{setting}: no feature matches {sel!r} (features: "
                              f"{', '.join(names[:12])}{', …' if len(names) > 12 else ''})")
        hits.sort(key=(lambda i: (_level(names[i]), names[i])) if by_level else (lambda i: names[i]))
        out.extend(hits)
    if len(set(out)) != len(out):
        raise ColumnError(f"{setting}: a column is selected more than once")
    return out
