"""The project's crispy-forms DSFR template pack (templates/dsfr/): crispy layout objects
around django-dsfr's own field markup. A plain unit test, no browser and no database."""

import pytest
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Fieldset, Layout, Row, Submit
from django import forms
from django.template import Context, Template, VariableDoesNotExist
from django.test import RequestFactory
from dsfr.forms import DsfrBaseForm


# DsfrBaseForm already subclasses forms.Form: `(forms.Form, DsfrBaseForm)` is an impossible MRO
# (it works only for ModelForm/AuthenticationForm bases, as in cites/forms.py).
class DemoForm(DsfrBaseForm):
    name = forms.CharField(label="Nom", max_length=50)
    email = forms.EmailField(label="Adresse électronique", help_text="Adresse professionnelle.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(Fieldset("Identité", "name", "email"), Submit("save", "Enregistrer"))


def render(form, template="{% load crispy_forms_tags %}{% crispy form %}"):
    request = RequestFactory().get("/")
    return Template(template).render(Context({"form": form, "request": request, "csrf_token": "jeton"}))


def test_unbound_form_renders_dsfr_markup():
    html = render(DemoForm())

    assert '<form method="post" novalidate>' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert '<fieldset class="fr-fieldset">' in html
    assert '<legend class="fr-fieldset__legend">Identité</legend>' in html
    # Fields are django-dsfr's own snippets: input group, label, fr-input, hint.
    assert html.count('class="fr-input-group"') == 2
    assert '<label for="id_name" class="fr-label">' in html
    assert "Nom" in html and "Adresse électronique" in html
    assert 'class="fr-input"' in html
    assert '<span class="fr-hint-text" id="id_email_helptext">Adresse professionnelle.</span>' in html
    # The Submit is a DSFR button, without crispy's Bootstrap classes.
    assert (
        '<button type="submit" name="save" value="Enregistrer" id="submit-id-save" class="fr-btn">Enregistrer</button>'
        in html
    )
    assert "btn-primary" not in html
    assert "fr-error-text" not in html


def test_bound_invalid_form_shows_dsfr_errors_in_french():
    form = DemoForm(data={"name": "", "email": "pas-une-adresse"})
    assert not form.is_valid()

    html = render(form)

    assert "fr-alert--error" in html
    assert "Le formulaire contient des erreurs" in html
    assert html.count("fr-input-group--error") == 2
    assert 'class="fr-error-text"' in html
    assert "Ce champ est obligatoire." in html
    assert "Saisissez une adresse de courriel valide." in html
    # The typed value is kept.
    assert 'value="pas-une-adresse"' in html


def test_grid_layout_and_helper_inputs():
    form = DemoForm()
    form.helper.layout = Layout(Row(Column("name"), Column("email", css_class="fr-col-4")))
    form.helper.add_input(Submit("send", "Envoyer", css_class="fr-btn--icon-left"))
    form.helper.form_id = "demo"

    html = render(form)

    assert '<form id="demo" method="post" novalidate>' in html
    assert '<div class="fr-grid-row fr-grid-row--gutters">' in html
    assert '<div class="fr-col-12 fr-col-md">' in html
    assert '<div class="fr-col-4">' in html
    assert '<ul class="fr-btns-group fr-btns-group--inline-md">' in html
    assert 'class="fr-btn fr-btn--icon-left">Envoyer</button>' in html


def test_undefined_variables_do_fail_here():
    with pytest.raises(VariableDoesNotExist):
        Template("{{ nope }}").render(Context({}))


def test_crispy_filter_without_helper():
    html = render(DemoForm(data={}), "{% load crispy_forms_tags %}{{ form|crispy }}")

    assert html.count("fr-input-group--error") == 2
    assert "<form" not in html
