"""Model artifacts on disk: one directory per version, checked by a SHA-256 digest on every load.

A version's files live in ``<root>/<name>/v<version>/``. The digest covers every file's relative path
and bytes in sorted order, so a changed, added, removed or renamed file is caught before a model that is
not the registered one can trade.
"""

from __future__ import annotations

import hashlib
import shutil
import uuid
from pathlib import Path


class ArtifactIntegrityError(RuntimeError):
    """An artifact is missing or its files no longer match the registered digest."""


def directory_digest(path: Path) -> str:
    digest = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        rel = file.relative_to(path).as_posix().encode()
        digest.update(len(rel).to_bytes(4, "big") + rel)
        with file.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        digest.update(b"\0")
    return digest.hexdigest()


class ArtifactStore:
    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"ArtifactStore({str(self.root)!r})"

    def staging(self) -> Path:
        """A fresh empty directory on the same file system as the final place (so publishing is a rename)."""
        path = self.root / ".staging" / uuid.uuid4().hex
        path.mkdir(parents=True)
        return path

    @staticmethod
    def uri(name: str, version: int) -> str:
        return f"{name}/v{version}"

    def publish(self, staged: Path, uri: str) -> Path:
        final = self.root / uri
        if final.exists():
            raise ArtifactIntegrityError(f"artifact {uri} already exists; refusing to overwrite it")
        final.parent.mkdir(parents=True, exist_ok=True)
        staged.rename(final)
        return final

    def discard(self, staged: Path) -> None:
        shutil.rmtree(staged, ignore_errors=True)

    def open(self, uri: str, sha256: str) -> Path:
        """The directory of ``uri`` after checking its digest."""
        path = self.root / uri
        if not path.is_dir():
            raise ArtifactIntegrityError(f"artifact {uri} not found under {self.root}")
        actual = directory_digest(path)
        if actual != sha256:
            raise ArtifactIntegrityError(f"artifact {uri} was modified: digest {actual[:12]}… does not match "
                                         f"the registered {sha256[:12]}…")
        return path
