"""Size guard for the demo app and the benchmarks: no production function over 80 lines,
no module over 500 lines (data included: one module per demo cité)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = ("demo", "bench")


def python_files():
    return sorted(path for folder in FOLDERS for path in (ROOT / folder).rglob("*.py"))


def test_no_function_over_80_lines():
    long = []
    for path in python_files():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1
                if length > 80:
                    long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({length} lignes)")
    assert long == []


def test_no_module_over_500_lines():
    long = [
        f"{path.relative_to(ROOT)} ({n} lignes)"
        for path in python_files()
        if (n := len(path.read_text().splitlines())) > 500
    ]
    assert long == []
