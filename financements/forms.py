from decimal import Decimal

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Fieldset, Layout, Row, Submit
from django import forms
from django.utils import timezone
from dsfr.forms import DsfrBaseForm

from cites.models import Organisation
from core.forms import CrispyFormMixin, TableRowForm

from .models import Envelope, FundingLine, LineStatus, Payment
from .services import STATUS_CHANGES, TRANSITIONS, rule_for

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MoneyField(forms.DecimalField):
    """A French amount: ``12 500,50``, ``12500.50`` or ``12 500 €`` all read as 12500.50."""

    def to_python(self, value):
        if isinstance(value, str):
            for character in (" ", "\u00a0", "\u202f", "€"):
                value = value.replace(character, "")
        return super().to_python(value)


def money_field(label, *, required=True, help_text=""):
    return MoneyField(
        label=label,
        required=required,
        min_value=Decimal("0"),
        max_digits=12,
        decimal_places=2,
        localize=True,
        help_text=help_text or "En euros, par exemple 12 500,00.",
        error_messages={"min_value": "Un montant ne peut pas être négatif."},
    )


class EnvelopeForm(CrispyFormMixin, forms.ModelForm, DsfrBaseForm):
    amount = money_field("Montant")

    class Meta:
        model = Envelope
        fields = ["funder", "programme", "amount", "legal_reference", "notes"]

    def get_layout(self):
        return Layout("funder", "programme", Row(Column("amount"), Column("legal_reference")), "notes")

    def __init__(self, *args, cite, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["funder"].queryset = Organisation.objects.funders().filter(cites=cite).order_by("name")
        self.fields["funder"].help_text = "Les financeurs sont les organisations de la cité marquées « financeur »."


class AmountsForm(CrispyFormMixin, DsfrBaseForm):
    proposed_amount = money_field("Montant proposé (instruction)", required=False)
    decided_amount = money_field(
        "Montant décidé (COPIL)", required=False, help_text="0 pour un refus ; vide tant que rien n'est décidé."
    )
    envelope = forms.ModelChoiceField(label="Enveloppe", queryset=Envelope.objects.none(), required=False)
    external_reference = forms.CharField(
        label="Référence externe", required=False, max_length=100, help_text="Par exemple : numéro de dossier Dauphin."
    )

    def get_layout(self):
        return Layout(Row(Column("proposed_amount"), Column("decided_amount")), "envelope", "external_reference")

    def __init__(self, *args, line, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["envelope"].queryset = Envelope.objects.filter(
            cite_id=line.action.cite_id, year=line.action.year, funder_id=line.funder_id
        ).select_related("funder")
        self.fields["envelope"].empty_label = "Hors enveloppe"


class LegalActForm(CrispyFormMixin, DsfrBaseForm):
    act_type = forms.ChoiceField(label="Type d'acte", choices=[("", "---------"), *FundingLine.LegalActType.choices])
    reference = forms.CharField(label="Référence de l'acte", max_length=250, required=False)
    date = forms.DateField(label="Date de l'acte", widget=DATE_WIDGET)

    def get_layout(self):
        return Layout("act_type", Row(Column("reference"), Column("date")))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[
            "act_type"
        ].help_text = "Au-delà de 23 000 € par porteur, une convention attributive est obligatoire (décret 2001-495)."


class PaymentForm(CrispyFormMixin, DsfrBaseForm):
    kind = forms.ChoiceField(label="Nature", choices=[("", "---------"), *Payment.Kind.choices])
    amount = money_field("Montant")
    date = forms.DateField(label="Date du versement", widget=DATE_WIDGET)
    reference = forms.CharField(
        label="Référence", max_length=100, required=False, help_text="Par exemple : numéro de mandat."
    )

    def get_layout(self):
        return Layout(Row(Column("kind"), Column("amount")), Row(Column("date"), Column("reference")))

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount is not None and amount <= 0:
            raise forms.ValidationError("Le montant d'un versement doit être positif.")
        return amount


class StatusForm(CrispyFormMixin, DsfrBaseForm):
    status = forms.ChoiceField(label="Nouveau statut")
    amount_to_recover = money_field("Montant à reverser", required=False, help_text="Seulement pour « À reverser ».")
    comment = forms.CharField(label="Commentaire", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, line, **kwargs):
        super().__init__(*args, **kwargs)
        self.line = line
        allowed = STATUS_CHANGES.get(line.status, ())
        self.fields["status"].choices = [("", "---------")] + [
            (s, f"{LineStatus(s).label} – {TRANSITIONS[rule_for(line.status, s)].label}") for s in allowed
        ]

    def clean(self):
        data = super().clean()
        status = data.get("status")
        if status == LineStatus.TO_RECOVER and not data.get("amount_to_recover"):
            self.add_error("amount_to_recover", "Indiquez le montant à reverser.")
        name = rule_for(self.line.status, status) if status else None
        if name and TRANSITIONS[name].comment_required and not (data.get("comment") or "").strip():
            self.add_error("comment", f"Un commentaire est obligatoire pour « {TRANSITIONS[name].label} ».")
        return data


class RecoveryForm(DsfrBaseForm):
    """The titre de recette paid by the porteur: a line « à reverser » becomes « reversé »."""

    amount = money_field("Montant reversé", help_text="Le montant à reverser, en euros (par exemple 300,00).")
    date = forms.DateField(label="Date du reversement", widget=DATE_WIDGET)
    reference = forms.CharField(
        label="Référence du titre de recette", max_length=100, help_text="Par exemple : titre de recette n° 42."
    )
    comment = forms.CharField(label="Commentaire", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, line, **kwargs):
        kwargs.setdefault("initial", {"amount": line.amount_to_recover})
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Fieldset("Titre de recette", "amount", "date", "reference"),
            "comment",
            Submit("save", "Enregistrer le reversement"),
        )

    def clean_date(self):
        date = self.cleaned_data["date"]
        if date and date > timezone.localdate():
            raise forms.ValidationError("La date du reversement ne peut pas être dans le futur.")
        return date


class ProgrammingRowForm(TableRowForm, DsfrBaseForm):
    """One row of the programming table (proposed and decided amounts of one line): the
    page draws the line's columns, then these two cells."""

    cells = (("proposed_amount",), ("decided_amount",))

    proposed_amount = money_field("Montant proposé", required=False)
    decided_amount = money_field("Montant décidé", required=False)

    def __init__(self, *args, line, **kwargs):
        super().__init__(*args, **kwargs)
        self.line = line
        for field in self.fields.values():
            field.widget.attrs["inputmode"] = "decimal"

    def row_name(self):
        return f"{self.line.action.title} – {self.line.funder.name}"
