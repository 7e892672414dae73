"""Copy this template to a new folder as a new plugin distribution, with every name replaced.

    python rename.py ../cryptoscalp-model-mynet --dist cryptoscalp-model-mynet --component mynet

replaces the distribution name (``cryptoscalp-model-example``), the import name
(``cryptoscalp_model_example``, derived from ``--dist`` unless ``--module`` is given) and the component
name (``example-ridge``) in every text file, renames ``src/<module>``, drops this script, its test and
the README's template-only section, and leaves build and cache folders behind.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parent
OLD_DIST, OLD_MODULE, OLD_COMPONENT = "cryptoscalp-model-example", "cryptoscalp_model_example", "example-ridge"
TEXT_SUFFIXES = {".py", ".toml", ".md", ".txt", ".cfg", ".ini", ".yaml", ".yml", ".json"}
NOT_COPIED = ("rename.py", "test_rename.py", "__pycache__", "*.egg-info", ".pytest_cache", ".hypothesis",
              ".mypy_cache", ".ruff_cache", "build", "dist", ".venv")
TEMPLATE_ONLY = re.compile(r"<!-- template-only -->.*?<!-- /template-only -->\n?", re.S)
HYPHENATED = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")


def derive_module(dist: str) -> str:
    return dist.replace("-", "_")


def check_names(dist: str, module: str, component: str) -> None:
    """Raise ValueError naming the first name that would make a broken distribution."""
    if not HYPHENATED.fullmatch(dist):
        raise ValueError(f"distribution {dist!r}: use lowercase words joined by '-' (cryptoscalp-model-mynet)")
    if not module.isidentifier() or module != module.lower():
        raise ValueError(f"module {module!r}: must be a lowercase Python identifier (cryptoscalp_model_mynet)")
    if not HYPHENATED.fullmatch(component):
        raise ValueError(f"component {component!r}: use lowercase words joined by '-' (mynet)")


def rename(dest: Path, dist: str, component: str, module: str | None = None, source: Path = TEMPLATE) -> Path:
    """Copy ``source`` to ``dest`` (which must not exist) under the new names; return ``dest``."""
    module = module or derive_module(dist)
    check_names(dist, module, component)
    if dest.exists():
        raise FileExistsError(f"{dest} exists; choose a new folder")
    shutil.copytree(source, dest, ignore=shutil.ignore_patterns(*NOT_COPIED))
    (dest / "src" / OLD_MODULE).rename(dest / "src" / module)
    names = {OLD_DIST: dist, OLD_MODULE: module, OLD_COMPONENT: component}
    # One pass over all three names, longest first, so a new name containing an old one is left alone.
    pattern = re.compile("|".join(re.escape(old) for old in sorted(names, key=len, reverse=True)))
    for path in sorted(dest.rglob("*")):
        if path.is_file() and path.suffix in TEXT_SUFFIXES:
            text = path.read_text(encoding="utf-8")
            new = pattern.sub(lambda m: names[m.group()], TEMPLATE_ONLY.sub("", text))
            if new != text:
                path.write_text(new, encoding="utf-8")
    return dest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("dest", type=Path, help="new folder for the plugin (must not exist)")
    parser.add_argument("--dist", required=True, help="distribution name, e.g. cryptoscalp-model-mynet")
    parser.add_argument("--component", required=True, help="component name profiles will `use:`, e.g. mynet")
    parser.add_argument("--module", help="import name (default: the distribution name with '_' for '-')")
    args = parser.parse_args(argv)
    try:
        dest = rename(args.dest, args.dist, args.component, args.module)
    except (ValueError, FileExistsError) as exc:
        print(f"rename.py: {exc}", file=sys.stderr)
        return 2
    print(f"created {dest}: pip install -e {dest} && python -m pytest {dest / 'tests'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
