"""The form layer: crispy-forms rendered by the project's DSFR template pack (templates/dsfr/).

Every form of the portal mixes in :class:`CrispyFormMixin` and declares its ``Layout``
(fieldsets with legends, rows of columns); ``{% crispy form %}`` then draws django-dsfr's
own field markup (label, hint, error next to the field) inside that layout, the form-level
errors on top and the page's actions at the bottom.
"""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Div, Fieldset, Layout, Row
from django import forms
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils.functional import cached_property
from dsfr.forms import DsfrBaseForm

__all__ = [
    "Column", "CrispyFormMixin", "Div", "FilterForm", "Fieldset", "FormHelper", "Include", "Layout", "Row",
    "RowCountForm", "RowErrors", "SubmitColumn", "TableRowForm", "dsfr_helper",
]  # fmt: skip


def dsfr_helper(form=None, *, layout=None, submit_label="Enregistrer", cancel_url=None, **attributes):
    """A ``FormHelper`` for the DSFR pack.

    ``submit_label`` is a submit button *without a name*, so the POST data stays the
    form's own fields (``None``: no button, the page draws its own); ``cancel_url`` adds
    an « Annuler » link. Other keyword arguments are helper attributes (``form_tag``,
    ``form_action``, ``attrs`` for HTMX, ``form_method``, ``disable_csrf``…).
    """
    helper = FormHelper(form)
    if layout is not None:
        helper.layout = layout
    helper.submit_label = submit_label
    helper.cancel_url = cancel_url
    for name, value in attributes.items():
        setattr(helper, name, value)
    return helper


class SubmitColumn:
    """A submit button in its own grid column, at the end of a row of fields (forms whose
    fields and button sit on one line: meeting documents, report requests). No name: the
    POST data stays the form's fields."""

    template = "dsfr/layout/submit_column.html"

    def __init__(self, label, css_class="fr-col-12 fr-col-md-2"):
        self.label, self.css_class = label, css_class

    def render(self, form, context, template_pack=None, **kwargs):
        return render_to_string(self.template, {"column": self})


class FilterActions:
    """« Filtrer » and « Réinitialiser » (back to the unfiltered list: the page's path)."""

    template = "dsfr/layout/filter_actions.html"

    def render(self, form, context, template_pack=None, **kwargs):
        request = context.get("request")
        return render_to_string(self.template, {"reset_url": request.path if request else ""})


class RowErrors:
    """The errors of a whole table row (not of one field), in a cell of that row."""

    template = "dsfr/layout/row_errors.html"

    def render(self, form, context, template_pack=None, **kwargs):
        return render_to_string(self.template, {"errors": form.non_field_errors()})


class Include:
    """A template drawn inside a layout with ``form`` and the given context: what a table
    row shows besides its fields (its heading, read-only figures, a warning), a block of
    text between fields."""

    def __init__(self, template, **context):
        self.template, self.context = template, context

    def render(self, form, context, template_pack=None, **kwargs):
        return render_to_string(self.template, {"form": form, **self.context})


def table_cell(*fields):
    """A ``<td>`` holding fields (and layout objects), its labels for screen readers only."""
    return Div(*fields, css_class="portail-cell", template="dsfr/layout/table_cell.html")


def table_row(*cells):
    """A ``<tr>`` of cells, for a form drawn as several rows of a table (not a formset)."""
    return Div(*cells, template="dsfr/layout/table_row.html")


# The widest integer a database key holds (PostgreSQL's bigint, SQLite's INTEGER).
KEY_MAX = 2**63 - 1


class KeyedMultipleChoiceField(forms.ModelMultipleChoiceField):
    """A multiple choice among objects that refuses, as an invalid choice, a number no
    integer key can hold: a tampered ``99999999999999999999`` made SQLite's query raise
    (a 500) where any other unknown choice gets the form's French error."""

    def _check_values(self, value):
        for choice in value:
            text = str(choice).strip()
            if text.lstrip("-").isdigit() and abs(int(text)) > KEY_MAX:
                raise ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": choice}
                )
        return super()._check_values(value)


def keyed_multiple_choices(form):
    """Every plain multiple choice among objects of ``form`` (model many-to-many fields
    included) checks its keys as :class:`KeyedMultipleChoiceField` does."""
    for field in form.fields.values():
        if type(field) is forms.ModelMultipleChoiceField:
            field.__class__ = KeyedMultipleChoiceField


class FixedRowsFormSet(forms.BaseModelFormSet):
    """A model formset over rows that already exist (a bilan's results…): a form more than
    the page drew (a raised TOTAL_FORMS) is the formset's French error, never a new row."""

    def clean(self):
        super().clean()
        if self.total_form_count() > self.initial_form_count():
            raise ValidationError(
                "Le formulaire envoyé compte plus de lignes que la page n'en affichait : "
                "rechargez la page, puis saisissez à nouveau."
            )


class CrispyFormMixin:
    """Gives a form its ``helper``: the layout of :meth:`get_layout` (every field in order
    by default) and the submit button of ``submit_label``. Built on first use, after
    ``__init__`` has added or removed fields; a view may still set ``form.helper.cancel_url``,
    ``form_action``… before rendering."""

    submit_label = "Enregistrer"
    submit_class = ""  # e.g. "fr-btn--secondary"
    form_tag = True  # False: the template draws the <form> (the fields sit inside a larger page form)
    form_show_errors = True  # False: the page draws its own alert above the fields

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        keyed_multiple_choices(self)

    def get_layout(self):
        return None

    @cached_property
    def helper(self):
        return dsfr_helper(
            self,
            layout=self.get_layout(),
            submit_label=self.submit_label,
            submit_class=self.submit_class,
            form_tag=self.form_tag,
            form_show_errors=self.form_show_errors,
        )


class FilterForm(CrispyFormMixin, DsfrBaseForm):
    """The form of every list filter (``Meta.form`` of the FilterSets): its fields in a row
    of columns, then « Filtrer » and « Réinitialiser ». ``components/filter_form.html``
    draws the GET ``<form>``, its fieldset, legend and alert around it."""

    submit_label = None

    def get_layout(self):
        columns = [
            Column(name, css_class="fr-col-12 fr-col-sm-6 fr-col-lg-3")
            for name, field in self.fields.items()
            if not field.widget.is_hidden
        ]
        return Layout(Row(*columns, FilterActions(), css_class="fr-grid-row--bottom fr-col-12"))

    @cached_property
    def helper(self):
        return dsfr_helper(
            self,
            layout=self.get_layout(),
            submit_label=None,
            form_tag=False,
            form_method="get",
            form_show_errors=False,
            render_hidden_fields=True,
        )


class TableRowForm(CrispyFormMixin):
    """One row of a table formset: the page draws the ``<tr>``, ``{% crispy form %}`` its
    cells (``dsfr/layout/table_cell.html``), each field with django-dsfr's markup.

    ``cells`` lists the cells in order: a tuple of field names (and layout objects, e.g. a
    :class:`Include` under a field) is a ``<td>``; a field the form does not have is
    skipped, and so is a cell left with none (the budget's charges have no funder); any
    other layout object is drawn as it is (an :class:`Include` of ``<th>``/``<td>``).
    Hidden fields and the row's own errors go in the first cell of fields. The column
    header shows what a cell holds: each label is for screen readers only (``.portail-cell``
    in portail.css) and names its row, from :meth:`row_name` (« Compte, ligne 3 »). A
    checkbox keeps its visible label (the DSFR draws the box with it) and gets the row's
    name as its accessible name (``aria-label`` « Supprimer la ligne 3 »)."""

    submit_label = None
    form_tag = False
    form_show_errors = False  # errors sit next to each field, inside its cell
    cells = ()

    def row_name(self):
        """« ligne 3 » for the formset's fourth form (« » when the prefix has no index)."""
        index = (self.prefix or "").rsplit("-", 1)[-1]
        return f"ligne {int(index) + 1}" if index.isdigit() else ""

    def get_layout(self):
        row = self.row_name()
        extra = [name for name, field in self.fields.items() if field.widget.is_hidden] + [RowErrors()]
        layout = []
        for cell in self.cells:
            if not isinstance(cell, tuple):
                layout.append(cell)
                continue
            names = [name for name in cell if not isinstance(name, str) or name in self.fields]
            if not any(isinstance(name, str) for name in names):
                continue
            for name in names:
                if isinstance(name, str):
                    self._name_for_row(self[name], row)
            layout.append(table_cell(*extra, *names))
            extra = []
        return Layout(*layout)

    @staticmethod
    def _name_for_row(bound_field, row):
        # The bound field, not the field: it copied the label when the form was built.
        if not row:
            return
        if isinstance(bound_field.field.widget, forms.CheckboxInput):
            bound_field.field.widget.attrs["aria-label"] = f"{bound_field.label} la {row}"
        else:
            bound_field.label = f"{bound_field.label}, {row}"


class RowCountForm(CrispyFormMixin, forms.Form):
    """A formset's ``TOTAL_FORMS`` after a row was added by HTMX: the fragment swaps it
    out of band into the page's management form (same name and id, prefix = the formset's)."""

    submit_label = None
    form_tag = False
    form_show_errors = False

    TOTAL_FORMS = forms.IntegerField(widget=forms.HiddenInput(attrs={"hx-swap-oob": "true"}))
