"""From YAML to a fully validated profile: top level, instruments, then every component's settings."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from cryptoscalp_core.domain.instrument import Instrument, parse_instrument_id
from cryptoscalp_core.profile.errors import ProfileError, ProfileIssue, format_path
from cryptoscalp_core.profile.model import DEFAULT_USE, LIST_SECTIONS, SINGLE_SECTIONS, ComponentSection, Profile
from cryptoscalp_core.profile.source import ProfileSource, load_source
from cryptoscalp_core.registry import ComponentConfig, ComponentKind, ComponentRegistry, ComponentSpec

_UNION_BRANCHES = frozenset({"str", "InstrumentSpec", "ComponentSection"})


def _is_branch(part: str | int) -> bool:
    """pydantic names the union member an error belongs to inside ``loc``; these are not YAML keys."""
    return isinstance(part, str) and (part in _UNION_BRANCHES or part.startswith("function-"))

InstrumentResolver = Callable[..., Instrument | None]  # called with venue=, symbol= (pluggy style)


@dataclass(frozen=True, slots=True)
class ResolvedComponent:
    kind: ComponentKind
    path: str  #: YAML path of the section, e.g. ``risk[1]``
    spec: ComponentSpec
    config: ComponentConfig


@dataclass(frozen=True, slots=True)
class ResolvedProfile:
    """A profile whose every part is validated: what the container is built from."""

    profile: Profile
    instruments: tuple[Instrument, ...]
    components: Mapping[str, ResolvedComponent]  #: single sections by name
    stacks: Mapping[str, tuple[ResolvedComponent, ...]]  #: ``risk`` and ``diagnostics``, in profile order
    source: str | None = None


def _issues_from(exc: ValidationError, prefix: list[str | int], source: ProfileSource | None,
                 data: Any) -> list[ProfileIssue]:
    issues = []
    for err in exc.errors():
        raw_loc = err["loc"]
        # A union such as ``str | InstrumentSpec`` reports one error per branch; keep the branch that
        # matches the shape the user wrote and drop the branch names from the path.
        branches = [str(p) for p in raw_loc if _is_branch(p)]
        if branches and (isinstance(err.get("input"), str) != branches[0].startswith(("str", "function"))):
            continue
        loc = [p for p in raw_loc if not _is_branch(p)]
        path = format_path([*prefix, *loc])
        file, line = source.locate(path) if source else (None, None)
        message = err["msg"]
        if err["type"] == "extra_forbidden":
            message = "unknown setting"
        if err["type"] == "missing":
            issues.append(ProfileIssue(path, message, file=file, line=line))
        else:
            issues.append(ProfileIssue(path, message, err.get("input"), file, line))
    return issues


def _resolve_section(kind: ComponentKind, path: list[str | int], section: ComponentSection,
                     registry: ComponentRegistry, source: ProfileSource | None,
                     issues: list[ProfileIssue]) -> ResolvedComponent | None:
    text_path = format_path(path)
    try:
        spec = registry.get(kind, section.use)
    except LookupError as exc:
        use_path = format_path([*path, "use"])
        file, line = source.locate(use_path) if source else (None, None)
        issues.append(ProfileIssue(use_path, str(exc), file=file, line=line))
        return None
    try:
        config = spec.config.model_validate(section.settings)
    except ValidationError as exc:
        issues.extend(_issues_from(exc, path, source, section.settings))
        return None
    return ResolvedComponent(kind, text_path, spec, config)


def _resolve_instruments(profile: Profile, resolver: InstrumentResolver | None,
                         source: ProfileSource | None, issues: list[ProfileIssue]) -> tuple[Instrument, ...]:
    out: list[Instrument] = []
    for i, item in enumerate(profile.instruments):
        path = format_path(["instruments", i])
        if not isinstance(item, str):
            try:
                out.append(item.to_instrument())
            except ValueError as exc:
                file, line = source.locate(path) if source else (None, None)
                issues.append(ProfileIssue(path, str(exc), item.id, file, line))
            continue
        venue, symbol = parse_instrument_id(item)
        found = resolver(venue=venue, symbol=symbol) if resolver else None
        if found is None:
            file, line = source.locate(path) if source else (None, None)
            issues.append(ProfileIssue(
                path, f"no installed plugin knows venue {venue!r}; install its exchange plugin or give the "
                "instrument inline as {id, tick_size, lot_size, ...}", item, file, line))
        else:
            out.append(found)
    return tuple(out)


def _check_raw_sections(data: Mapping[str, Any], registry: ComponentRegistry, source: ProfileSource | None,
                        issues: list[ProfileIssue]) -> None:
    """When the top level is invalid, still check every well-formed section so one run of
    ``profile check`` reports all problems, not just the first layer of them."""
    flagged = {issue.path.split(".")[0].split("[")[0] for issue in issues}
    for section_name in (*SINGLE_SECTIONS, *LIST_SECTIONS):
        raw = data.get(section_name)
        if section_name in flagged or raw is None:
            continue
        entries = list(enumerate(raw)) if isinstance(raw, list) else [(None, raw)]
        for index, entry in entries:
            if not isinstance(entry, Mapping):
                continue
            if "use" not in entry and section_name in DEFAULT_USE:
                entry = {"use": DEFAULT_USE[section_name], **entry}
            try:
                section = ComponentSection.model_validate(entry)
            except ValidationError:
                continue
            path: list[str | int] = [section_name] if index is None else [section_name, index]
            _resolve_section(ComponentKind(section_name), path, section, registry, source, issues)


def resolve_data(data: Mapping[str, Any], registry: ComponentRegistry, *,
                 resolver: InstrumentResolver | None = None, source: ProfileSource | None = None,
                 name: str | None = None) -> ResolvedProfile:
    """Validate already-loaded profile data; raise :class:`ProfileError` listing every problem."""
    try:
        profile = Profile.model_validate(data)
    except ValidationError as exc:
        found = _issues_from(exc, [], source, data)
        _check_raw_sections(data, registry, source, found)
        raise ProfileError(found, name) from None
    issues: list[ProfileIssue] = []
    instruments = _resolve_instruments(profile, resolver, source, issues)
    components: dict[str, ResolvedComponent] = {}
    for section_name in SINGLE_SECTIONS:
        section = profile.clock_section if section_name == "clock" else getattr(profile, section_name)
        if section is None:
            continue
        resolved = _resolve_section(ComponentKind(section_name), [section_name], section, registry, source,
                                    issues)
        if resolved is not None:
            components[section_name] = resolved
    stacks: dict[str, tuple[ResolvedComponent, ...]] = {}
    for section_name in LIST_SECTIONS:
        layers = []
        for i, section in enumerate(getattr(profile, section_name)):
            resolved = _resolve_section(ComponentKind(section_name), [section_name, i], section, registry,
                                        source, issues)
            if resolved is not None:
                layers.append(resolved)
        stacks[section_name] = tuple(layers)
    if issues:
        raise ProfileError(issues, name)
    return ResolvedProfile(profile, instruments, components, stacks, name)


def load_profile(path: str | Path, registry: ComponentRegistry, *,
                 resolver: InstrumentResolver | None = None,
                 env: Mapping[str, str] | None = None) -> ResolvedProfile:
    """Read, merge, substitute and validate the profile at ``path``."""
    source = load_source(path, env)
    return resolve_data(source.data, registry, resolver=resolver, source=source, name=str(path))
