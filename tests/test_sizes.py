"""Sizes, from the architecture issue: no production module over 500 lines, no function
or method over 80, no test module over 800. Migrations are generated and exempt.

Production is every ``.py`` file of the project outside ``tests/`` and ``migrations/``
(``demo/`` and ``bench/`` included). Nothing is exempt.
"""

import ast
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULE_MAX = 500
TEST_MODULE_MAX = 800
FUNCTION_MAX = 80
# Not the project's code: the virtualenv, git, caches, generated and collected files.
SKIPPED_DIRS = {"migrations", "node_modules", "__pycache__", "var", "static", "staticfiles", "templates"}


def python_files(top):
    for folder, dirs, files in os.walk(top):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in SKIPPED_DIRS)
        for name in sorted(files):
            if name.endswith(".py"):
                yield Path(folder, name)


def functions(tree, prefix=""):
    """(qualified name, line count) of every function and method, nested ones included."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            name = f"{prefix}{node.name}"
            yield name, node.end_lineno - node.lineno + 1
            yield from functions(node, f"{name}.")
        elif isinstance(node, ast.ClassDef):
            yield from functions(node, f"{prefix}{node.name}.")
        else:
            yield from functions(node, prefix)


def oversized(path, relative, module_max):
    """``{place: line count}`` of what is too long in one file."""
    source = path.read_text()
    found = {}
    lines = len(source.splitlines())
    if lines > module_max:
        found[relative] = lines
    for name, size in functions(ast.parse(source, filename=str(path))):
        if size > FUNCTION_MAX:
            found[f"{relative}::{name}"] = size
    return found


def production_oversized(root=ROOT):
    found = {}
    for path in python_files(root):
        relative = path.relative_to(root).as_posix()
        if relative.startswith("tests/"):
            continue
        found.update(oversized(path, relative, MODULE_MAX))
    return found


def oversized_test_modules(root=ROOT):
    found = {}
    for path in python_files(root / "tests"):
        lines = len(path.read_text().splitlines())
        if lines > TEST_MODULE_MAX:
            found[path.relative_to(root).as_posix()] = lines
    return found


def test_production_modules_and_functions_stay_small():
    over = production_oversized()
    assert not over, (
        f"Over {MODULE_MAX} lines a module or {FUNCTION_MAX} lines a function: {over}. "
        "Split the module into a package by sub-domain, the function into named steps."
    )


def test_test_modules_stay_under_800_lines():
    over = oversized_test_modules()
    assert not over, f"Over {TEST_MODULE_MAX} lines: {over}. Split the test module by feature."


def test_the_check_counts_lines_as_intended(tmp_path):
    """80 lines pass and 81 do not, methods are named by their class, and what is not
    production (tests, migrations, hidden folders) is left out."""
    statements = [f"x = {n}" for n in range(FUNCTION_MAX - 1)]  # with the def line: 80
    app = tmp_path / "app"
    app.mkdir()
    (app / "fits.py").write_text("\n".join(["def fits():", *(f"    {s}" for s in statements)]) + "\n")
    method = ["class Page:", "    def render(self):", *(f"        {s}" for s in [*statements, "y = 1"])]
    (app / "long.py").write_text("\n".join(method) + "\n")
    (app / "big.py").write_text("x = 1\n" * (MODULE_MAX + 1))
    for skipped in ("migrations", ".venv", "tests"):
        (tmp_path / skipped).mkdir()
        (tmp_path / skipped / "big.py").write_text("x = 1\n" * (TEST_MODULE_MAX + 1))

    assert production_oversized(tmp_path) == {
        "app/long.py::Page.render": FUNCTION_MAX + 1,
        "app/big.py": MODULE_MAX + 1,
    }
    assert oversized_test_modules(tmp_path) == {"tests/big.py": TEST_MODULE_MAX + 1}
