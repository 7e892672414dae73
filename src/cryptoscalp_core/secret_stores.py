"""SecretStore implementations: environment variables, or a directory of files (a mounted secret)."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from pydantic import Field

from cryptoscalp_core.ports.secrets import MissingSecretError, Secret
from cryptoscalp_core.registry import ComponentConfig

_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")


def _check_name(name: str) -> None:
    if not _NAME.match(name):
        raise ValueError(f"secret names use letters, digits, '.', '_' and '-': {name!r}")


class EnvSecretStore:
    """Secret ``binance.api_key`` is read from ``$CRYPTOSCALP_SECRET_BINANCE_API_KEY`` (prefix
    configurable): '.' and '-' become '_', letters are upper-cased."""

    def __init__(self, prefix: str = "CRYPTOSCALP_SECRET_") -> None:
        self.prefix = prefix

    def _var(self, name: str) -> str:
        _check_name(name)
        return self.prefix + re.sub(r"[.-]", "_", name).upper()

    def get(self, name: str) -> Secret:
        value = os.environ.get(self._var(name))
        if not value:
            raise MissingSecretError(f"secret {name!r} not set (environment variable {self._var(name)})")
        return Secret(name, value)

    def names(self) -> list[str]:
        return sorted(k[len(self.prefix):].lower() for k in os.environ if k.startswith(self.prefix))

    def __repr__(self) -> str:
        return f"EnvSecretStore(prefix={self.prefix!r})"


class FileSecretStore:
    """One file per secret in ``directory`` (the layout of Kubernetes and Docker secret mounts).

    Files readable by group or others are refused: a leaked key is worse than a failed start.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def get(self, name: str) -> Secret:
        _check_name(name)
        path = self.directory / name
        try:
            mode = path.stat().st_mode
        except FileNotFoundError:
            raise MissingSecretError(f"secret {name!r} not found in {self.directory}") from None
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise PermissionError(f"secret file for {name!r} is readable by others; chmod 600 it")
        return Secret(name, path.read_text().strip())

    def names(self) -> list[str]:
        if not self.directory.is_dir():
            return []
        return sorted(p.name for p in self.directory.iterdir() if p.is_file() and _NAME.match(p.name))

    def __repr__(self) -> str:
        return f"FileSecretStore({str(self.directory)!r})"


class EnvSecretsConfig(ComponentConfig):
    prefix: str = Field("CRYPTOSCALP_SECRET_", pattern=r"^[A-Z][A-Z0-9_]*$")


class FileSecretsConfig(ComponentConfig):
    directory: Path


def make_env_secrets(config: EnvSecretsConfig) -> EnvSecretStore:
    """Secrets from environment variables."""
    return EnvSecretStore(config.prefix)


def make_file_secrets(config: FileSecretsConfig) -> FileSecretStore:
    """Secrets from a directory of files (mode 600), as mounted by Kubernetes or Docker."""
    return FileSecretStore(config.directory)
