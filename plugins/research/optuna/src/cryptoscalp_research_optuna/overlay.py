"""Profile overlays: the original profile plus a trial's values, as a YAML file that ``extends:`` it.

Mappings merge key by key under ``extends:``, but lists are replaced whole; a path through a list
(``risk.1.max_position``) therefore writes the whole list, copied from the original with the one value
changed.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

import yaml

from cryptoscalp_core.profile.source import load_source


def _set(tree: dict[str, Any], parts: list[str], value: Any, original: Any) -> None:
    head, rest = parts[0], parts[1:]
    if not rest:
        tree[head] = value
        return
    if rest[0].isdigit():
        base = tree.get(head, original.get(head) if isinstance(original, dict) else None)
        if not isinstance(base, list) or int(rest[0]) >= len(base):
            raise ValueError(f"{'.'.join(parts)}: the profile has no list item {rest[0]} under {head}")
        items = copy.deepcopy(base)
        index = int(rest[0])
        if len(rest) == 1:
            items[index] = value
        else:
            if not isinstance(items[index], dict):
                raise ValueError(f"{'.'.join(parts)}: item {index} of {head} is not a mapping")
            _set(items[index], rest[1:], value, items[index])
        tree[head] = items
        return
    node = tree.setdefault(head, {})
    if not isinstance(node, dict):
        raise ValueError(f"{'.'.join(parts)}: {head} is not a mapping")
    _set(node, rest, value, original.get(head, {}) if isinstance(original, dict) else {})


def overlay_data(profile: Path, values: dict[str, Any]) -> dict[str, Any]:
    """The overlay mapping (without ``extends:``) that sets every dotted path of ``values``."""
    original = load_source(profile).data
    out: dict[str, Any] = {}
    for path, value in sorted(values.items()):
        _set(out, path.split("."), value, original)
    return out


def write_overlay(profile: Path, values: dict[str, Any], target: Path, comment: str = "") -> Path:
    """Write ``target``: ``extends:`` the original (relative path) and the values; returns ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    parent = os.path.relpath(Path(profile).resolve(), target.parent.resolve())
    body = {"extends": parent, **overlay_data(profile, values)}
    header = "".join(f"# {line}\n" for line in comment.splitlines())
    target.write_text(header + yaml.safe_dump(body, sort_keys=False, default_flow_style=None))
    return target
