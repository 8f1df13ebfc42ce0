"""Guard: every view gets its objects through the one fetch entry point,
``accounts.scope.get_visible_or_404`` (404 outside the scope, 403 for the wrong role).

A plain reading of the view modules (no import, no database): a view that calls
``get_object_or_404``, ``Model.objects.get(…)`` or a queryset's ``.get(lookup=…)`` fails
here, as does a per-app copy of the entry point (a function named ``_*_or_404`` or
``_visible_*``/``_managed_*`` that fetches). ``ALLOWED`` lists, with the reason, the only
exceptions; it may only shrink.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

VIEW_MODULES = sorted(
    [
        ROOT / "accounts" / "views.py",
        *(ROOT / "cites" / "views").glob("*.py"),
        *(ROOT / "actions" / "views").glob("*.py"),
        *(ROOT / "financements" / "views").glob("*.py"),
        *(ROOT / "pilotage" / "views").glob("*.py"),
        *(ROOT / "pilotage" / "dashboards").glob("*.py"),
    ]
)

FORBIDDEN_CALLS = {"get_object_or_404", "get_list_or_404"}
# Methods whose result is a queryset: ``<queryset>.get(`` reads one object past the entry point.
QUERYSET_METHODS = {
    "all", "filter", "exclude", "select_related", "prefetch_related", "annotate", "order_by",
    "visible_to", "managed_by", "published", "only", "defer", "distinct", "with_paid",
}  # fmt: skip

# (module relative to the root, source of the offending call) → why it is allowed.
ALLOWED = {}


def _receiver_is_queryset(node):
    """``X.objects`` / ``X.objects.<method>(…)`` / ``<…>.<queryset method>(…)``."""
    if isinstance(node, ast.Attribute):
        return node.attr == "objects" or _receiver_is_queryset(node.value)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr in QUERYSET_METHODS or _receiver_is_queryset(node.func.value)
    return False


def _offences(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        if name in FORBIDDEN_CALLS:
            yield node.lineno, ast.unparse(node)
        elif name == "get" and isinstance(func, ast.Attribute):
            # A dict's get() takes no keyword; a lookup does (``.get(pk=…)``).
            if node.keywords or _receiver_is_queryset(func.value):
                yield node.lineno, ast.unparse(node)


def test_the_view_modules_are_found():
    names = {path.relative_to(ROOT).as_posix() for path in VIEW_MODULES}
    assert {
        "cites/views/__init__.py",
        "cites/views/members.py",
        "financements/views/lines.py",
        "pilotage/dashboards/cite.py",
    } <= names
    assert not (ROOT / "financements" / "views.py").exists()
    assert not (ROOT / "cites" / "views.py").exists()
    assert not (ROOT / "pilotage" / "dashboards.py").exists()


@pytest.mark.parametrize("path", VIEW_MODULES, ids=lambda path: path.relative_to(ROOT).as_posix())
def test_views_fetch_objects_only_through_the_entry_point(path):
    module = path.relative_to(ROOT).as_posix()
    found = [f"{module}:{line}: {source}" for line, source in _offences(path) if (module, source) not in ALLOWED]
    assert not found, "Fetch through accounts.scope.get_visible_or_404:\n" + "\n".join(found)


@pytest.mark.parametrize("path", VIEW_MODULES, ids=lambda path: path.relative_to(ROOT).as_posix())
def test_no_per_app_fetch_helper(path):
    """The thirteen per-app helpers (``_cite``, ``_visible_action``, ``_managed_meeting``…)
    are gone: a helper that fetches by primary key is the entry point, not a copy."""
    tree = ast.parse(path.read_text(), filename=str(path))
    helpers = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name.startswith("_"):
            calls = {
                sub.func.id if isinstance(sub.func, ast.Name) else getattr(sub.func, "attr", "")
                for sub in ast.walk(node)
                if isinstance(sub, ast.Call)
            }
            if "get_visible_or_404" in calls:
                helpers.append(node.name)
    assert not helpers, f"{path.name}: call get_visible_or_404 in the view itself, not in {helpers}"


def test_the_guard_catches_each_idiom(tmp_path):
    """The scan itself: each idiom the entry point replaced is caught, and the dict reads
    of a view are not."""
    sample = tmp_path / "views.py"
    sample.write_text(
        "def view(request, pk):\n"
        "    get_object_or_404(Cite.objects.visible_to(request.user), pk=pk)\n"
        "    Cite.objects.get(pk=pk)\n"
        "    cite.schools.get(pk=pk)\n"
        "    Convention.objects.filter(cite=cite).get(number=1)\n"
        "    Report.objects.visible_to(request.user).get(pk)\n"
        "    request.GET.get('page')\n"
        "    form.cleaned_data.get('year', 2024)\n"
    )
    assert [line for line, _ in _offences(sample)] == [2, 3, 4, 5, 6]
