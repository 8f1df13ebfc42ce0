from django import forms
from dsfr.forms import DsfrBaseForm

from cites.models import LocalAxis, Organisation
from core import uploads
from core.formatting import format_euros
from core.forms import (
    Column,
    CrispyFormMixin,
    Fieldset,
    FixedRowsFormSet,
    Include,
    Layout,
    Row,
    TableRowForm,
    table_cell,
    table_row,
)

from .models import (
    CHARGE_ACCOUNTS,
    PRODUIT_ACCOUNTS,
    Action,
    AgeBand,
    Attachment,
    Bilan,
    BudgetLine,
    Call,
    Indicator,
    Opinion,
)

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class CallForm(CrispyFormMixin, forms.ModelForm, DsfrBaseForm):
    class Meta:
        model = Call
        fields = ["cite", "year", "title", "text", "opens_at", "closes_at", "envelope", "axes", "is_published"]
        widgets = {"opens_at": DATETIME_WIDGET, "closes_at": DATETIME_WIDGET, "axes": forms.CheckboxSelectMultiple}

    def get_layout(self):
        return Layout(
            Row(Column("cite"), Column("year")),
            "title",
            "text",
            Row(Column("opens_at"), Column("closes_at")),
            "envelope",
            "axes",
            "is_published",
        )

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


class ProposalCreateForm(CrispyFormMixin, forms.ModelForm, DsfrBaseForm):
    submit_label = "Créer le brouillon"

    class Meta:
        model = Action
        fields = ["porteur", "title"]

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["porteur"].queryset = organisations
        self.fields["porteur"].empty_label = None
        self.fields["porteur"].help_text = "L'organisation qui porte l'action et demande le financement."


class ActionForm(CrispyFormMixin, forms.ModelForm, DsfrBaseForm):
    """The fiche action itself; ``version`` detects concurrent edits."""

    submit_label = "Enregistrer la fiche"

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

    def get_layout(self):
        return Layout(
            "version",
            Fieldset(
                "L'action",
                "title",
                Row(Column("national_objective"), Column("local_axis")),
                "need",
                "objectives",
                "description",
            ),
            Fieldset("Calendrier et lieu", Row(Column("start_date"), Column("end_date")), "place"),
            Fieldset(
                "Publics",
                "age_bands",
                Row(Column("expected_participants"), Column("expected_girls"), Column("expected_boys")),
                "priority_areas",
                "schools",
            ),
            Fieldset(
                "Partenaires et contact",
                "partners",
                "contact_name",
                Row(Column("contact_email"), Column("contact_phone")),
            ),
        )

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


class VersionForm(CrispyFormMixin, forms.Form):
    """The version of the action a table page was drawn from (budget, indicators): a
    concurrent edit saved meanwhile makes the save a conflict, shown by the page."""

    submit_label = None
    form_tag = False  # a hidden field inside the page's <form>
    form_show_errors = False

    version = forms.IntegerField(widget=forms.HiddenInput)


class BudgetLineForm(TableRowForm, forms.ModelForm, DsfrBaseForm):
    """One budget line, a row of the budget table (the funder only for produits)."""

    cells = (("account",), ("label",), ("funder",), ("amount_planned",), ("DELETE",))

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
    Action, BudgetLine, form=BudgetLineForm, formset=BaseBudgetFormSet, extra=1, can_delete=True
)


def budget_formset(side, *, data=None, instance, funders):
    prefix = "charges" if side == BudgetLine.Side.CHARGE else "produits"
    return BudgetFormSet(
        data, instance=instance, side=side, prefix=prefix, form_kwargs={"side": side, "funders": funders}
    )


class IndicatorForm(TableRowForm, forms.ModelForm, DsfrBaseForm):
    cells = (("label",), ("target",), ("unit",), ("DELETE",))

    class Meta:
        model = Indicator
        fields = ["label", "target", "unit"]


IndicatorFormSet = forms.inlineformset_factory(Action, Indicator, form=IndicatorForm, extra=2, can_delete=True)


class OpinionForm(CrispyFormMixin, forms.ModelForm, DsfrBaseForm):
    submit_label = "Enregistrer mon avis"
    submit_class = "fr-btn--secondary"
    form_tag = False  # the page's <form> posts to actions:opinion

    class Meta:
        model = Opinion
        fields = ["verdict", "comment"]
        widgets = {"verdict": forms.RadioSelect, "comment": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["verdict"].choices = Opinion.Verdict.choices  # no empty radio button


class TextForm(CrispyFormMixin, DsfrBaseForm):
    submit_class = "fr-btn--secondary"
    form_tag = False  # the page's <form> posts to the note or the message view

    text = forms.CharField(label="Message", widget=forms.Textarea(attrs={"rows": 4}), max_length=5000)

    def __init__(self, *args, label="Message", submit_label="Envoyer le message", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["text"].label = label
        self.submit_label = submit_label


class TransitionForm(CrispyFormMixin, DsfrBaseForm):
    """The comment of a workflow button on the action page (``rule``: its
    ``services.TRANSITIONS`` entry); the page's ``<form>`` posts it to actions:transition.
    Required by the rule → required here too, and the service refuses it empty."""

    form_tag = False

    comment = forms.CharField(label="Commentaire", widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, name, rule, **kwargs):
        kwargs.setdefault("auto_id", f"commentaire-{name}-%s")  # one form per button on the page
        super().__init__(*args, **kwargs)
        self.fields["comment"].required = rule.comment_required
        # On the bound field: it copied the field's label when DsfrBaseForm built it.
        self["comment"].label = f"Commentaire ({'obligatoire' if rule.comment_required else 'facultatif'})"
        self.submit_label = rule.label
        self.submit_class = "fr-btn--secondary" if name in ("reject", "withdraw") else ""


def funder_choices():
    """Organisations that can be named as the funder of a subsidy line (account 74)."""
    return Organisation.objects.funders().order_by("name")


# --- Bilan -------------------------------------------------------------------------------
class BilanForm(CrispyFormMixin, forms.ModelForm, DsfrBaseForm):
    submit_label = None  # one submit for the whole bilan page
    form_tag = False

    class Meta:
        model = Bilan
        fields = ["carried_out", "results", "difficulties", "outlook"]
        widgets = {name: forms.Textarea(attrs={"rows": 4}) for name in fields}


class BeneficiariesForm(CrispyFormMixin, DsfrBaseForm):
    """Beneficiaries by age band × sex, and how many live in a QPV: three numbers a band.
    Counts only — the form has no field for a name. Drawn as the rows of the page's table:
    the band, then its three numbers (each label names the band)."""

    submit_label = None
    form_tag = False
    form_show_errors = False  # the page shows the form's own errors above the table

    def __init__(self, *args, bilan, **kwargs):
        super().__init__(*args, **kwargs)
        self.bilan = bilan
        existing = {row.age_band: row for row in bilan.beneficiaries.all()} if bilan.pk else {}
        self.bands = []
        for index, (band, label) in enumerate(AgeBand.choices):
            row = existing.get(band)
            names = []
            for part, part_label, value in (
                ("girls", "filles / femmes", row.girls if row else 0),
                ("boys", "garçons / hommes", row.boys if row else 0),
                ("qpv", "dont habitant un QPV", row.living_in_qpv if row else 0),
            ):
                name = f"tranche{index}_{part}"
                self.fields[name] = forms.IntegerField(
                    label=f"{label} : {part_label}", min_value=0, max_value=1_000_000, required=False, initial=value
                )
                names.append(name)
            self.bands.append((band, label, names))

    def get_layout(self):
        return Layout(
            *(
                table_row(Include("dsfr/layout/row_header.html", label=label), *map(table_cell, names))
                for _band, label, names in self.bands
            )
        )

    def clean(self):
        cleaned = super().clean()
        for _band, _label, (girls, boys, qpv) in self.bands:
            total = (cleaned.get(girls) or 0) + (cleaned.get(boys) or 0)
            if (cleaned.get(qpv) or 0) > total:
                self.add_error(qpv, "Les habitants d'un QPV ne peuvent dépasser le total filles + garçons.")
        return cleaned

    def counts(self):
        """Age band → the counts typed without error (every band once the form is valid;
        a band with an error is left out, so a wrong figure never loses the others)."""
        counts = {}
        for band, _label, (girls, boys, qpv) in self.bands:
            if any(name in self.errors for name in (girls, boys, qpv)):
                continue
            counts[band] = {
                "girls": self.cleaned_data.get(girls) or 0,
                "boys": self.cleaned_data.get(boys) or 0,
                "living_in_qpv": self.cleaned_data.get(qpv) or 0,
            }
        return counts


class IndicatorResultForm(TableRowForm, forms.ModelForm, DsfrBaseForm):
    """The result of one indicator, a row of the bilan's table under its label and target."""

    cells = (Include("actions/includes/_indicator_result_heading.html"), ("result",), ("result_comment",))

    def row_name(self):
        return self.instance.label

    class Meta:
        model = Indicator
        fields = ["result", "result_comment"]
        widgets = {"result_comment": forms.Textarea(attrs={"rows": 2})}


IndicatorResultFormSet = forms.modelformset_factory(
    Indicator, form=IndicatorResultForm, formset=FixedRowsFormSet, extra=0
)


class BudgetActualForm(TableRowForm, forms.ModelForm, DsfrBaseForm):
    """The actual amount of a budget line, a row of the bilan's table under the line as
    planned. A gap over 15 % must be explained before the bilan is transmitted
    (:meth:`Bilan.missing_items`), not before it is saved: a draft keeps the amount
    while the porteur finds the explanation."""

    cells = (
        Include("actions/includes/_budget_actual_heading.html"),
        ("amount_actual",),
        ("variance_explanation", Include("actions/includes/_variance_warning.html")),
    )

    def row_name(self):
        return self.instance.label

    class Meta:
        model = BudgetLine
        fields = ["amount_actual", "variance_explanation"]
        widgets = {"variance_explanation": forms.Textarea(attrs={"rows": 2})}

    def variance_warning(self):
        """The explanation still owed for this line, in French (empty when none is)."""
        if self.is_bound and self.errors:
            return ""
        line = self.instance
        if not line.needs_explanation or line.variance_explanation.strip():
            return ""
        return (
            f"Expliquez l'écart : réalisé {format_euros(line.amount_actual)} pour "
            f"{format_euros(line.amount_planned)} prévus, soit plus de 15 % d'écart."
        )


BudgetActualFormSet = forms.modelformset_factory(BudgetLine, form=BudgetActualForm, formset=FixedRowsFormSet, extra=0)


# --- Attachments -------------------------------------------------------------------------
class AttachmentForm(CrispyFormMixin, forms.ModelForm, DsfrBaseForm):
    """A document, accepted for its content (magic bytes), never for its extension."""

    submit_label = "Joindre le document"

    class Meta:
        model = Attachment
        fields = ["kind", "file"]
        help_texts = {"file": uploads.help_text(uploads.ACCEPTED_LABEL)}

    def clean_file(self):
        upload = self.cleaned_data["file"]
        self.detected = uploads.check_upload(upload)
        return upload


class ReviewersForm(CrispyFormMixin, DsfrBaseForm):
    submit_label = "Désigner les rapporteurs"
    submit_class = "fr-btn--secondary"
    form_tag = False  # the page's <form> posts to actions:reviewers

    reviewers = forms.ModelMultipleChoiceField(
        label="Rapporteurs",
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Parmi les membres du pilotage (troïka) de la cité.",
    )

    def __init__(self, *args, action, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reviewers"].queryset = pilots_of(action.cite)
        self.fields["reviewers"].label_from_instance = lambda user: f"{user.full_name} ({user.email})"


def pilots_of(cite):
    from accounts.models import Membership, Role, User

    pilot_ids = Membership.objects.active().filter(role=Role.PILOT, cite=cite).values("user_id")
    return User.objects.filter(pk__in=pilot_ids, is_active=True).order_by("full_name", "id")
