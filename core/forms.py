"""The form layer: crispy-forms rendered by the project's DSFR template pack (templates/dsfr/).

Every form of the portal mixes in :class:`CrispyFormMixin` and declares its ``Layout``
(fieldsets with legends, rows of columns); ``{% crispy form %}`` then draws django-dsfr's
own field markup (label, hint, error next to the field) inside that layout, the form-level
errors on top and the page's actions at the bottom.
"""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Div, Fieldset, Layout, Row
from django.template.loader import render_to_string
from django.utils.functional import cached_property
from dsfr.forms import DsfrBaseForm

__all__ = [
    "Column", "CrispyFormMixin", "Div", "FilterForm", "Fieldset", "FormHelper", "Layout", "Row", "SubmitColumn",
    "dsfr_helper",
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


class CrispyFormMixin:
    """Gives a form its ``helper``: the layout of :meth:`get_layout` (every field in order
    by default) and the submit button of ``submit_label``. Built on first use, after
    ``__init__`` has added or removed fields; a view may still set ``form.helper.cancel_url``,
    ``form_action``… before rendering."""

    submit_label = "Enregistrer"
    submit_class = ""  # e.g. "fr-btn--secondary"
    form_tag = True  # False: the template draws the <form> (the fields sit inside a larger page form)
    form_show_errors = True  # False: the page draws its own alert above the fields

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
