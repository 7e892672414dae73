"""Reading profile YAML: ``extends:`` inheritance, ``${ENV}`` substitution and line tracking.

* ``extends: base.yaml`` (or a list) merges the named profiles first, paths relative to the extending
  file. Mappings merge key by key, recursively; any other value (lists included) is replaced whole.
  A cycle is an error that names the chain.
* ``${VAR}`` is replaced by the environment variable; ``${VAR:-default}`` falls back to ``default``;
  ``$${`` writes a literal ``${``. A variable that is not set and has no default is an error.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from cryptoscalp_core.profile.errors import ProfileError, ProfileIssue, format_path

_VAR = re.compile(r"\$(\$)?\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")

Origins = dict[str, tuple[str, int]]


@dataclass(slots=True)
class ProfileSource:
    """Merged, substituted profile data plus where each value came from (``path → (file, line)``)."""

    data: dict[str, Any]
    origins: Origins = field(default_factory=dict)
    files: list[str] = field(default_factory=list)

    def locate(self, path: str) -> tuple[str | None, int | None]:
        probe = path
        while probe:
            if probe in self.origins:
                return self.origins[probe]
            probe = re.sub(r"(\.[^.\[\]]+|\[\d+\])$", "", probe) if re.search(r"[.\[]", probe) else ""
        return (self.files[-1] if self.files else None), None


def _walk(node: yaml.Node, parts: list[str | int], file: str, out: Origins) -> Any:
    out[format_path(parts)] = (file, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = yaml.safe_load(yaml.serialize(key_node))
            result[key] = _walk(value_node, [*parts, str(key)], file, out)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_walk(item, [*parts, i], file, out) for i, item in enumerate(node.value)]
    return yaml.safe_load(yaml.serialize(node))


def _display(path: Path) -> str:
    """The path as a user would type it: relative to the working directory when it is below it."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _read(path: Path) -> tuple[dict[str, Any], Origins]:
    file = _display(path)
    try:
        text = path.read_text()
    except OSError as exc:
        raise ProfileError([ProfileIssue("<root>", f"cannot read profile: {exc.strerror}", file=file)]) from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise ProfileError([ProfileIssue("<root>", f"not valid YAML: {problem}", file=file, line=line)]) from None
    if node is None:
        return {}, {}
    origins: Origins = {}
    data = _walk(node, [], file, origins)
    if not isinstance(data, dict):
        raise ProfileError([ProfileIssue("<root>", "a profile must be a mapping", file=file, line=1)])
    return data, origins


def _merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _merge(dict(merged[key]), value)
        else:
            merged[key] = value
    return merged


def _load(path: Path, chain: tuple[Path, ...]) -> ProfileSource:
    path = path.resolve()
    if path in chain:
        names = " -> ".join(p.name for p in (*chain, path))
        raise ProfileError([ProfileIssue("extends", f"extends cycle: {names}", file=_display(chain[-1]))])
    data, origins = _read(path)
    parents = data.pop("extends", None)
    if parents is None:
        return ProfileSource(data, origins, [str(path)])
    if isinstance(parents, str):
        parents = [parents]
    if not isinstance(parents, list) or not all(isinstance(p, str) for p in parents):
        file, line = origins.get("extends", (_display(path), None))
        raise ProfileError([ProfileIssue("extends", "must be a file name or a list of file names",
                                         parents, file, line)])
    merged: dict[str, Any] = {}
    merged_origins: Origins = {}
    files: list[str] = []
    for parent in parents:
        base = _load(path.parent / parent, (*chain, path))
        merged = _merge(merged, base.data)
        merged_origins.update(base.origins)
        files += base.files
    merged_origins.update(origins)
    return ProfileSource(_merge(merged, data), merged_origins, [*files, str(path)])


def _substitute(value: Any, parts: list[str | int], env: Mapping[str, str], issues: list[ProfileIssue],
                source: ProfileSource) -> Any:
    if isinstance(value, dict):
        return {k: _substitute(v, [*parts, k], env, issues, source) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, [*parts, i], env, issues, source) for i, v in enumerate(value)]
    if not isinstance(value, str) or "${" not in value:
        return value

    def replace(match: re.Match[str]) -> str:
        escaped, name, default = match.groups()
        if escaped:
            return match.group(0)[1:]
        if name in env:
            return env[name]
        if default is not None:
            return default
        path = format_path(parts)
        file, line = source.locate(path)
        issues.append(ProfileIssue(path, f"environment variable {name} is not set", file=file, line=line))
        return ""

    return _VAR.sub(replace, value)


def load_source(path: str | Path, env: Mapping[str, str] | None = None) -> ProfileSource:
    """Read ``path`` with its ``extends:`` chain and substitute ``${VAR}``; raise :class:`ProfileError`."""
    source = _load(Path(path), ())
    issues: list[ProfileIssue] = []
    source.data = _substitute(source.data, [], os.environ if env is None else env, issues, source)
    if issues:
        raise ProfileError(issues, str(path))
    return source
