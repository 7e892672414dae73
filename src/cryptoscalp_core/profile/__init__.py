"""YAML profiles: reading (``extends:``, ``${ENV}``), validation and error reporting."""

from cryptoscalp_core.profile.errors import ProfileError, ProfileIssue
from cryptoscalp_core.profile.model import ComponentSection, InstrumentSpec, Profile
from cryptoscalp_core.profile.resolve import ResolvedComponent, ResolvedProfile, load_profile, resolve_data
from cryptoscalp_core.profile.source import load_source

__all__ = [
    "ComponentSection",
    "InstrumentSpec",
    "Profile",
    "ProfileError",
    "ProfileIssue",
    "ResolvedComponent",
    "ResolvedProfile",
    "load_profile",
    "load_source",
    "resolve_data",
]
