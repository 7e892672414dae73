"""Which code trained a model: distribution versions and, when run from a git checkout, the commit."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from cryptoscalp_core.plugins import PluginHost

CODE_VERSION_ENV = "CRYPTOSCALP_CODE_VERSION"


def git_commit(start: Path | None = None) -> str | None:
    """The checked-out commit (with ``+dirty`` for local changes) or ``None`` outside a repository."""
    cwd = start or Path.cwd()
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, text=True,
                              timeout=5, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=cwd,
                               capture_output=True, text=True, timeout=5, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{head}+dirty" if dirty else head


def code_version(host: PluginHost | None, component_plugin: str) -> dict[str, str]:
    """Versions of core and of the distribution that provides the model component, plus ``git``.

    ``CRYPTOSCALP_CODE_VERSION`` (a build id set by a deployment) is recorded as ``build`` when set."""
    versions: dict[str, str] = {}
    if host is not None:
        for info in host.plugins:
            if info.name in ("core", component_plugin) and info.dist:
                versions[info.dist] = info.version
    commit = git_commit()
    if commit:
        versions["git"] = commit
    build = os.environ.get(CODE_VERSION_ENV)
    if build:
        versions["build"] = build
    return versions
