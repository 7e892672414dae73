"""rename.py makes a working, fully renamed copy of the template."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import tomllib
from pathlib import Path
from types import ModuleType

import pytest

from cryptoscalp_core.plugins import PluginHost
from cryptoscalp_core.registry import ComponentKind

TEMPLATE = Path(__file__).resolve().parents[1]
OLD_NAMES = ("cryptoscalp-model-example", "cryptoscalp_model_example", "example-ridge", "template-only")


def _load_rename() -> ModuleType:
    spec = importlib.util.spec_from_file_location("template_rename", TEMPLATE / "rename.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


rename_script = _load_rename()


@pytest.fixture(scope="module")
def copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("plugins") / "cryptoscalp-model-mynet"
    return rename_script.rename(dest, "cryptoscalp-model-mynet", "mynet")  # type: ignore[no-any-return]


def test_every_name_is_replaced(copy: Path) -> None:
    files = [p for p in copy.rglob("*") if p.is_file()]
    assert files
    for path in files:
        text = path.read_text(encoding="utf-8")
        for old in OLD_NAMES:
            assert old not in text, f"{old!r} left in {path.relative_to(copy)}"
    assert (copy / "src" / "cryptoscalp_model_mynet" / "model.py").is_file()
    assert not (copy / "src" / "cryptoscalp_model_example").exists()
    assert not (copy / "rename.py").exists() and not (copy / "tests" / "test_rename.py").exists()
    assert not list(copy.rglob("__pycache__"))


def test_packaging_points_at_the_new_names(copy: Path) -> None:
    project = tomllib.loads((copy / "pyproject.toml").read_text())
    assert project["project"]["name"] == "cryptoscalp-model-mynet"
    assert project["project"]["entry-points"]["cryptoscalp"] == {"mynet": "cryptoscalp_model_mynet.plugin"}
    assert project["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"] == ["src/cryptoscalp_model_mynet"]


def test_copy_registers_its_component(copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(copy / "src"))
    plugin = importlib.import_module("cryptoscalp_model_mynet.plugin")
    host = PluginHost(load_entry_points=False, extra=(("mynet", plugin),))
    spec = host.registry.get(ComponentKind.MODEL, "mynet")
    assert spec.plugin == "mynet" and spec.config.__module__ == "cryptoscalp_model_mynet.config"


def test_copy_passes_its_own_model_tests(copy: Path) -> None:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(copy / "src"), os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_model.py"],
                          cwd=copy, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


def test_new_names_containing_old_ones_survive(tmp_path: Path) -> None:
    dest = rename_script.rename(tmp_path / "x", "cryptoscalp-model-example-ridge-v2", "example-ridge-v2")
    project = tomllib.loads((dest / "pyproject.toml").read_text())
    assert project["project"]["name"] == "cryptoscalp-model-example-ridge-v2"
    assert project["project"]["entry-points"]["cryptoscalp"] == {
        "example-ridge-v2": "cryptoscalp_model_example_ridge_v2.plugin"}


@pytest.mark.parametrize(("dist", "component", "module"), [
    ("Cryptoscalp-Model-X", "x", None), ("cryptoscalp_model_x", "x", None), ("cryptoscalp-model-x", "X Net", None),
    ("cryptoscalp-model-x", "x", "not-a-module"),
])
def test_bad_names_are_refused(tmp_path: Path, dist: str, component: str, module: str | None) -> None:
    with pytest.raises(ValueError):
        rename_script.rename(tmp_path / "x", dist, component, module)
    assert not (tmp_path / "x").exists()


def test_command_line(tmp_path: Path) -> None:
    args = [sys.executable, str(TEMPLATE / "rename.py"), str(tmp_path / "new"), "--dist", "cryptoscalp-model-abc",
            "--component", "abc"]
    assert subprocess.run(args, capture_output=True, text=True, timeout=60).returncode == 0
    assert (tmp_path / "new" / "src" / "cryptoscalp_model_abc").is_dir()
    again = subprocess.run(args, capture_output=True, text=True, timeout=60)  # the folder now exists
    assert again.returncode == 2 and "exists" in again.stderr
