"""Guard: every form in templates/ is drawn by crispy-forms through the DSFR pack
(``{% crispy form %}`` or ``|crispy``), never another way. A plain file scan, no database.

The pack itself (templates/dsfr/) is the one place that calls django-dsfr's
``as_field_group``. No template is exempt: table formsets too are crispy layouts of cells
(core.forms.TableRowForm).
"""

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
PACK = TEMPLATES / "dsfr"

FORBIDDEN = {
    "django-dsfr field group outside the pack": re.compile(r"as_field_group"),
    "the removed components/form.html": re.compile(r"components/form\.html"),
    "Django's form rendering (as_p, as_table, as_ul, as_div)": re.compile(r"\.as_(p|table|ul|div)\b"),
    "a whole form printed with {{ form }}": re.compile(r"\{\{\s*\w*form\s*(\|(?!crispy)[^}]*)?\}\}"),
    # {{ form.title }}, {{ report_form.comment }}: a field printed by hand. Attributes of the
    # form that are not fields stay allowed.
    "a field printed by hand": re.compile(
        r"\{\{\s*\w*form\.(?!management_form\b|non_field_errors\b|errors\b|instance\b|media\b|prefix\b)\w+\s*\}\}"
    ),
    # {% for field in form %}…{{ field }}: looping over the fields to print them (a loop that
    # only lists their errors is fine).
    "fields looped by hand": re.compile(
        r"\{%\s*for\s+(\w+)\s+in\s+\w*form(\.visible_fields)?\s*%\}.*?\{\{\s*\1\s*(\||\}\})", re.DOTALL
    ),
    "a field written in HTML": re.compile(r"<(input|select|textarea)\b"),
}


def _offences(root=TEMPLATES):
    found = {}
    for path in sorted(root.rglob("*.html")):
        if root / "dsfr" in path.parents:
            continue
        text = path.read_text()
        reasons = [reason for reason, pattern in FORBIDDEN.items() if pattern.search(text)]
        if reasons:
            found[str(path.relative_to(root))] = reasons
    return found


def test_templates_render_forms_only_through_crispy():
    assert _offences() == {}, f"Formulaires rendus hors de crispy-forms : {_offences()}"


def test_the_scan_catches_a_hand_drawn_form(tmp_path):
    # The guard itself: a field written in HTML, or printed by hand, is an offence anywhere
    # but in the pack.
    (tmp_path / "page.html").write_text('<form><input type="text" name="q">{{ form.title }}</form>')
    (tmp_path / "crispy.html").write_text("{% load crispy_forms_tags %}{% crispy form %}")
    (tmp_path / "dsfr").mkdir()
    (tmp_path / "dsfr" / "field.html").write_text("{{ field.as_field_group }}")
    assert _offences(tmp_path) == {"page.html": ["a field printed by hand", "a field written in HTML"]}


def test_templates_using_crispy_load_its_tags():
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text()
        if PACK not in path.parents and ("{% crispy " in text or "|crispy" in text):
            assert "crispy_forms_tags" in text, f"{path.relative_to(TEMPLATES)} : {{% load crispy_forms_tags %}} manque"


def test_the_pack_draws_fields_with_django_dsfr():
    # The one bridge between crispy and django-dsfr's markup (label, hint, error, aria).
    assert "as_field_group" in (PACK / "field.html").read_text()
    assert not (TEMPLATES / "components" / "form.html").exists()
