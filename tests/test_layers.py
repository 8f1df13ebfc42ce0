"""The import contract of pyproject.toml (``[tool.importlinter]``): it holds on the real
tree, and it breaks when a lower floor imports a higher one or anything imports the wiring.

The broken cases run lint-imports on a copy of the project's packages with one import
added, with the same configuration: the real tree is never touched.
"""

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]


def lint_imports(cwd):
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo"], cwd=cwd, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def tree(tmp_path):
    """A copy of the packages the contract reads, and its configuration."""
    for package in CONFIG["root_packages"]:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def add_import(path, statement):
    path.write_text(f"{statement}  # deliberate wrong arrow\n" + path.read_text())


def test_the_floors_are_declared_in_order():
    layers = next(c for c in CONFIG["contracts"] if c["type"] == "layers")["layers"]
    floors = ["pilotage", "financements", "actions", "cites", "accounts", "core"]
    assert [layer for layer in layers if layer in floors] == floors


def test_the_contract_holds_on_the_real_tree():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_the_copy_passes_before_it_is_changed(tree):
    assert lint_imports(tree).returncode == 0


@pytest.mark.parametrize(
    ("module", "statement"),
    [
        ("cites/models.py", "import pilotage"),  # a floor imports one above it
        ("core/formatting.py", "import accounts"),  # core imports no app
        ("accounts/scope.py", "from cites import models"),  # the ground floor stays below cités
        ("financements/ledger.py", "import portail.settings"),  # nothing imports the wiring
    ],
)
def test_an_upward_import_breaks_the_contract(tree, module, statement):
    add_import(tree / module, statement)
    result = lint_imports(tree)
    assert result.returncode != 0, result.stdout
    assert "BROKEN" in result.stdout and "1 broken" in result.stdout
