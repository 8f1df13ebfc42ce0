from django import forms
from dsfr.forms import DsfrBaseForm

from cites.models import LocalAxis, Organisation

from .models import CHARGE_ACCOUNTS, PRODUIT_ACCOUNTS, Action, AgeBand, BudgetLine, Call, Indicator, Opinion

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class CallForm(forms.ModelForm, DsfrBaseForm):
    class Meta:
        model = Call
        fields = ["cite", "year", "title", "text", "opens_at", "closes_at", "envelope", "axes", "is_published"]
        widgets = {"opens_at": DATETIME_WIDGET, "closes_at": DATETIME_WIDGET, "axes": forms.CheckboxSelectMultiple}

    def __init__(self, *args, cites, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cite"].queryset = cites
        self.fields["axes"].queryset = LocalAxis.objects.filter(cite__in=cites).select_related("cite")
        for name in ("opens_at", "closes_at"):
            self.fields[name].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]

    def clean(self):
        cleaned = super().clean()
        opens_at, closes_at = cleaned.get("opens_at"), cleaned.get("closes_at")
        if opens_at and closes_at and closes_at <= opens_at:
            self.add_error("closes_at", "La clôture doit suivre l'ouverture.")
        cite = cleaned.get("cite")
        if cite and any(axis.cite_id != cite.pk for axis in cleaned.get("axes") or []):
            self.add_error("axes", "Choisissez des axes de la cité de l'appel.")
        return cleaned


class ProposalCreateForm(forms.ModelForm, DsfrBaseForm):
    class Meta:
        model = Action
        fields = ["porteur", "title"]

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["porteur"].queryset = organisations
        self.fields["porteur"].empty_label = None
        self.fields["porteur"].help_text = "L'organisation qui porte l'action et demande le financement."


class ActionForm(forms.ModelForm, DsfrBaseForm):
    """The fiche action itself; ``version`` detects concurrent edits."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    age_bands = forms.MultipleChoiceField(
        label="Publics visés", choices=AgeBand.choices, required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Action
        fields = [
            "title", "national_objective", "local_axis", "need", "objectives", "description",
            "start_date", "end_date", "place", "age_bands", "expected_participants", "expected_girls",
            "expected_boys", "priority_areas", "schools", "partners", "contact_name", "contact_email",
            "contact_phone",
        ]  # fmt: skip
        widgets = {
            "start_date": DATE_WIDGET,
            "end_date": DATE_WIDGET,
            "need": forms.Textarea(attrs={"rows": 4}),
            "objectives": forms.Textarea(attrs={"rows": 4}),
            "description": forms.Textarea(attrs={"rows": 6}),
            "priority_areas": forms.CheckboxSelectMultiple,
            "schools": forms.CheckboxSelectMultiple,
            "partners": forms.CheckboxSelectMultiple,
        }
        help_texts = {
            "objectives": "De un à trois objectifs, formulés avec des verbes d'action et mesurables.",
            "need": "Le constat, sur le territoire, auquel l'action répond.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        action = self.instance
        cite = action.cite
        self.fields["version"].initial = action.version
        self.fields["local_axis"].queryset = cite.axes.order_by("national_objective", "code")
        self.fields["priority_areas"].queryset = cite.priority_areas.order_by("name")
        self.fields["schools"].queryset = cite.schools.order_by("name")
        self.fields["partners"].queryset = cite.organisations.exclude(pk=action.porteur_id).order_by("name")

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "La date de fin doit suivre la date de début.")
        total = cleaned.get("expected_participants")
        girls, boys = cleaned.get("expected_girls") or 0, cleaned.get("expected_boys") or 0
        if total is not None and girls + boys > total:
            self.add_error("expected_girls", "Filles et garçons ne peuvent dépasser le nombre de participants.")
        axis, objective = cleaned.get("local_axis"), cleaned.get("national_objective")
        if axis and objective and axis.national_objective != objective:
            self.add_error("local_axis", "Cet axe local relève d'un autre objectif national.")
        return cleaned


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class BudgetLineForm(forms.ModelForm, DsfrBaseForm):
    class Meta:
        model = BudgetLine
        fields = ["account", "label", "funder", "amount_planned"]

    def __init__(self, *args, side, funders, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.side = side
        accounts = CHARGE_ACCOUNTS if side == BudgetLine.Side.CHARGE else PRODUIT_ACCOUNTS
        self.fields["account"].choices = [("", "---------")] + [
            (value, label) for value, label in BudgetLine.Account.choices if value in accounts
        ]
        self.fields["funder"].queryset = funders
        self.fields["funder"].required = False
        if side == BudgetLine.Side.CHARGE:
            del self.fields["funder"]


class BaseBudgetFormSet(forms.BaseInlineFormSet):
    def __init__(self, *args, side, **kwargs):
        self.side = side
        super().__init__(*args, **kwargs)
        self.queryset = self.queryset.filter(side=side).select_related("funder")

    def total(self):
        """The planned total of the rows kept (valid formset only)."""
        return sum(
            (
                form.cleaned_data["amount_planned"]
                for form in self.forms
                if form.cleaned_data and not form.cleaned_data.get("DELETE") and "amount_planned" in form.cleaned_data
            ),
            start=0,
        )


# Built once: Django appends the foreign key to the form's Meta.fields when a formset is
# instantiated, which would leak into a formset class built later from the same form.
BudgetFormSet = forms.inlineformset_factory(
    Action, BudgetLine, form=BudgetLineForm, formset=BaseBudgetFormSet, extra=3, can_delete=True
)


def budget_formset(side, *, data=None, instance, funders):
    prefix = "charges" if side == BudgetLine.Side.CHARGE else "produits"
    return BudgetFormSet(
        data, instance=instance, side=side, prefix=prefix, form_kwargs={"side": side, "funders": funders}
    )


class IndicatorForm(forms.ModelForm, DsfrBaseForm):
    class Meta:
        model = Indicator
        fields = ["label", "target", "unit"]


IndicatorFormSet = forms.inlineformset_factory(Action, Indicator, form=IndicatorForm, extra=2, can_delete=True)


class OpinionForm(forms.ModelForm, DsfrBaseForm):
    class Meta:
        model = Opinion
        fields = ["verdict", "comment"]
        widgets = {"verdict": forms.RadioSelect, "comment": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["verdict"].choices = Opinion.Verdict.choices  # no empty radio button


class TextForm(DsfrBaseForm):
    text = forms.CharField(label="Message", widget=forms.Textarea(attrs={"rows": 4}), max_length=5000)

    def __init__(self, *args, label="Message", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["text"].label = label


def funder_choices():
    """Organisations that can be named as the funder of a subsidy line (account 74)."""
    return Organisation.objects.funders().order_by("name")
