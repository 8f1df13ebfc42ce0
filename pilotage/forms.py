from decimal import Decimal, InvalidOperation

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Column, Div, Fieldset, Layout, Row, Submit
from django import forms
from django.utils import timezone
from dsfr.forms import DsfrBaseForm

from core import uploads
from core.formatting import format_euros
from core.forms import CrispyFormMixin, Include, SubmitColumn, dsfr_helper
from core.params import MAX_YEAR, MIN_YEAR

from .models import AgendaItem, Attendee, Meeting, MeetingDocument, Report

# Meeting documents: text documents only (no images, no spreadsheets).
MEETING_DOCUMENT_TYPES = (uploads.PDF, uploads.ODT, uploads.DOCX)
MEETING_DOCUMENT_LABEL = "PDF, ODT ou DOCX"

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class MeetingForm(CrispyFormMixin, forms.ModelForm, DsfrBaseForm):
    class Meta:
        model = Meeting
        fields = ["kind", "title", "starts_at", "place", "chair", "minutes"]
        widgets = {"starts_at": DATETIME_WIDGET, "minutes": forms.Textarea(attrs={"rows": 8})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["starts_at"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"]
        self.fields["title"].help_text = "Par exemple : COPIL de programmation 2026."
        self.fields["chair"].help_text = "Par exemple : le préfet du Gard et le président d'Alès Agglomération."

    def get_layout(self):
        return Layout(Row(Column("kind"), Column("starts_at")), "title", "place", "chair", "minutes")


class AttendeeForm(CrispyFormMixin, forms.ModelForm, DsfrBaseForm):
    """One row of the attendees table: each field in its cell (the page draws the table)."""

    submit_label = None
    form_tag = False
    form_show_errors = False  # errors sit next to each field, inside its cell

    class Meta:
        model = Attendee
        fields = ["name", "organisation_name", "category", "presence"]

    def get_layout(self):
        hidden = [name for name, field in self.fields.items() if field.widget.is_hidden]
        # Only a saved row can be deleted; the formset adds DELETE after __init__.
        delete = ["DELETE"] if self.instance.pk and "DELETE" in self.fields else []
        cells = (hidden + ["name"], ["organisation_name"], ["category"], ["presence"], delete)
        return Layout(*(Div(*names, template="dsfr/layout/table_cell.html") for names in cells))


AttendeeFormSet = forms.inlineformset_factory(
    Meeting, Attendee, form=AttendeeForm, extra=3, can_delete=True, max_num=500
)


class MeetingDocumentForm(CrispyFormMixin, forms.ModelForm, DsfrBaseForm):
    """A meeting document, accepted for its content (magic bytes), never its extension."""

    submit_label = None  # the « Déposer » button ends the row
    form_tag = False  # the meeting page draws the <form> (action, enctype), its fieldset and alert
    form_show_errors = False

    class Meta:
        model = MeetingDocument
        fields = ["title", "file"]
        help_texts = {
            "title": "Par exemple : diaporama de présentation, relevé de décisions signé.",
            "file": uploads.help_text(MEETING_DOCUMENT_LABEL),
        }

    def get_layout(self):
        return Layout(
            Row(
                Column("title", css_class="fr-col-12 fr-col-md-5"),
                Column("file", css_class="fr-col-12 fr-col-md-5"),
                SubmitColumn("Déposer"),
                css_class="fr-grid-row--bottom",
            )
        )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        self.detected = uploads.check_upload(upload, MEETING_DOCUMENT_TYPES, MEETING_DOCUMENT_LABEL)
        return upload


class YearSwitcherForm(DsfrBaseForm):
    """The dashboards' switcher (a GET form back to the page): the year, and the cité
    (``cites`` offered, ``cite`` chosen: a choice among several, kept as a hidden field when
    there is one) or the département (``departements``: (code, name) pairs, all by default)."""

    annee = forms.TypedChoiceField(label="Année", coerce=int)

    def __init__(self, *, path, years, year, cites=(), cite=None, departements=(), departement=""):
        initial = {"annee": year, "cite": cite.pk if cite else None, "departement": departement}
        super().__init__(initial=initial, auto_id="choix-%s")
        self.fields["annee"].choices = [(value, str(value)) for value in years]
        columns = []
        if len(cites) > 1:
            choices = [(item["pk"], item["name"]) for item in cites]
            self.fields["cite"] = forms.TypedChoiceField(label="Cité éducative", choices=choices, coerce=int)
            columns.append(Column("cite", css_class="fr-col-12 fr-col-md-5"))
        elif cite:
            self.fields["cite"] = forms.IntegerField(widget=forms.HiddenInput)
            columns.append("cite")
        if departements:
            choices = [("", "Tous vos départements")] + [(code, f"{code} – {name}") for code, name in departements]
            self.fields["departement"] = forms.ChoiceField(label="Département", choices=choices, required=False)
            columns.append(Column("departement", css_class="fr-col-12 fr-col-md-5"))
        self.order_fields(["cite", "departement", "annee"])
        self.helper = dsfr_helper(
            self,
            layout=Layout(
                Row(
                    *columns,
                    Column("annee", css_class="fr-col-6 fr-col-md-3"),
                    SubmitColumn("Afficher", css_class="fr-col-6 fr-col-md-2"),
                    css_class="fr-grid-row--bottom",
                )
            ),
            submit_label=None,
            form_method="get",
            form_action=path,
            form_class="portail-no-print fr-mb-4w",
            form_show_errors=False,
        )


class ReportRequestForm(CrispyFormMixin, DsfrBaseForm):
    submit_label = None  # the « Générer » button ends the row
    form_tag = False  # the report page draws the <form> with its HTMX attributes, and its alert
    form_show_errors = False

    kind = forms.ChoiceField(label="Type de rapport")
    year = forms.IntegerField(label="Année", min_value=MIN_YEAR, max_value=MAX_YEAR)
    meeting = forms.ModelChoiceField(label="Réunion (dossier et compte rendu de COPIL)", queryset=None, required=False)

    def __init__(self, *args, kinds, meetings, **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(Report.Kind.choices)
        self.fields["kind"].choices = [(kind, labels[kind]) for kind in kinds]
        self.fields["meeting"].queryset = meetings

    def get_layout(self):
        return Layout(
            Row(
                Column("kind", css_class="fr-col-12 fr-col-md-4"),
                Column("year", css_class="fr-col-12 fr-col-md-2"),
                Column("meeting", css_class="fr-col-12 fr-col-md-4"),
                SubmitColumn("Générer"),
                css_class="fr-grid-row--bottom",
            )
        )

    def clean(self):
        data = super().clean()
        if data.get("kind") in Report.MEETING_KINDS and not data.get("meeting"):
            self.add_error("meeting", "Choisissez le COPIL concerné.")
        return data


def parse_amount(raw):
    """``"12 500,50"`` → ``Decimal("12500.50")``; ``""`` → None; raises ValueError."""
    text = (raw or "").replace("\u202f", "").replace("\u00a0", "").replace(" ", "").replace("€", "")
    if not text:
        return None
    try:
        value = Decimal(text.replace(",", "."))
    except InvalidOperation:
        raise ValueError(f"« {raw} » n'est pas un montant.") from None
    if value < 0:
        raise ValueError("Un montant ne peut pas être négatif.")
    if value != value.quantize(Decimal("0.01")):
        raise ValueError("Un montant compte au plus deux décimales.")
    return value


class CandidatesField(forms.ModelMultipleChoiceField):
    """Proposals ticked on a page that has aged (moved on since, or put on the agenda from
    another tab) are left out, not refused: the others are still added."""

    def clean(self, value):
        offered = {str(pk) for pk in self.queryset.values_list("pk", flat=True)}
        return super().clean([choice for choice in value or [] if str(choice) in offered])


class AgendaForm(CrispyFormMixin, DsfrBaseForm):
    """Put proposals under instruction (``candidates``) on a COPIL's agenda, and a free item."""

    submit_label = "Ajouter à l'ordre du jour"

    actions = CandidatesField(
        label="Propositions en instruction à inscrire",
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    title = forms.CharField(label="Autre point (facultatif)", max_length=250, required=False)

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["actions"]
        field.queryset = candidates
        field.label_from_instance = lambda action: (
            f"{action.reference or '—'} – {action.title} ({action.porteur.name})"
        )
        if not candidates:
            field.help_text = "Aucune proposition en instruction à inscrire."


class DecisionForm(CrispyFormMixin, DsfrBaseForm):
    """One agenda item on the decision screen, with the troïka's opinions on the proposal
    (``opinions``: rows with ``opinion`` and ``role``) and one amount per subsidy asked in
    the budget (``subsidies``). Unbound, it shows the decision applied, else the draft
    typed before the meeting, else the budget's asks; bound, what was typed, each error
    next to its field. Valid, ``amounts`` holds the decided amounts by budget line."""

    submit_label = None
    form_tag = False  # one <form> and one button for the whole agenda
    form_show_errors = False  # the page's alert says nothing was saved

    decision = forms.ChoiceField(
        label="Décision",
        choices=AgendaItem.Decision.choices,
        required=False,  # « À décider » (the empty value) is a decision too: the item waits
        error_messages={"invalid_choice": "Choisissez une décision."},
    )
    comment = forms.CharField(
        label="Commentaire",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Obligatoire pour une proposition non retenue ou programmée sans financement.",
    )

    def __init__(self, item, subsidies, data=None, opinions=()):
        self.item = item
        self.subsidies = list(subsidies)
        self.opinions = list(opinions)
        self.amounts = {}
        super().__init__(data, prefix=f"point-{item.pk}", initial=self._initial())
        for line in self.subsidies:
            self.fields[self.amount_name(line)] = forms.CharField(
                label=f"Montant décidé – {line.funder.name}",
                help_text=f"Demandé : {format_euros(line.amount_planned)}",
                required=False,
                widget=forms.TextInput(attrs={"inputmode": "decimal"}),
            )

    @staticmethod
    def amount_name(line):
        return f"amount-{line.pk}"

    def _initial(self):
        item = self.item
        applied = bool(item.decision)
        decided_by_budget_line = {
            line.budget_line_id: line.decided_amount for line in item.action.funding_lines.all() if line.budget_line_id
        }
        draft = {} if applied else item.draft_amounts or {}
        initial = {
            "decision": item.decision if applied else item.draft_decision,
            "comment": item.decision_comment if applied else item.draft_comment,
        }
        for line in self.subsidies:
            decided = Decimal(draft[str(line.pk)]) if str(line.pk) in draft else decided_by_budget_line.get(line.pk)
            initial[self.amount_name(line)] = _initial_amount(decided, line.amount_planned)
        return initial

    def get_layout(self):
        amounts = [Div(self.amount_name(line), css_class="fr-fieldset__element") for line in self.subsidies] or [
            Include("pilotage/includes/_decision_no_subsidy.html")
        ]
        return Layout(
            Div(
                Include("pilotage/includes/_decision_legend.html"),
                Div("decision", css_class="fr-fieldset__element"),
                Include("pilotage/includes/_decision_opinions.html"),
                *amounts,
                Div("comment", css_class="fr-fieldset__element"),
                css_id=self.prefix,
                css_class="fr-fieldset--error" if self.is_bound and self.errors else "",
                template="pilotage/includes/_decision_fieldset.html",
            )
        )

    def clean(self):
        data = super().clean()
        D = AgendaItem.Decision
        decision, comment = data.get("decision"), data.get("comment", "")
        if decision == D.REJECTED and not comment:
            self.add_error("comment", "Motivez la décision de ne pas retenir l'action (commentaire).")
        if decision == D.PROGRAMMED:
            for line in self.subsidies:
                name = self.amount_name(line)
                try:
                    amount = parse_amount(data.get(name))
                except ValueError as error:
                    self.add_error(name, str(error))
                    continue
                if amount is None:
                    self.add_error(name, "Indiquez le montant décidé (0 pour refuser).")
                else:
                    self.amounts[line.pk] = amount
            if not self.errors and not any(self.amounts.values()) and not comment:
                self.add_error("comment", "Programmée sans financement : motivez la décision (commentaire).")
        return data


def _initial_amount(decided, requested):
    value = requested if decided is None else decided
    return f"{value:.2f}".replace(".", ",")


class ProgrammeForm(DsfrBaseForm):
    """Programming an action outside any COPIL: the date and reason of the decision, and
    the amount decided per funder (one field per account-74 line of the budget,
    pre-filled with what it asks). With no money at all, a reason is required."""

    decided_on = forms.DateField(
        label="Date de la décision",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Le jour où la coordination a décidé, hors comité de pilotage.",
        error_messages={"required": "Indiquez la date de la décision.", "invalid": "Indiquez une date valide."},
    )
    reason = forms.CharField(
        label="Motif de la programmation hors COPIL",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Pourquoi l'action est programmée sans attendre un comité de pilotage. Visible du porteur.",
        error_messages={"required": "Indiquez le motif de la programmation hors COPIL."},
    )
    no_funding_reason = forms.CharField(
        label="Motif d'une programmation sans financement",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="Obligatoire si aucun montant n'est décidé.",
    )

    def __init__(self, *args, subsidies, decided=None, **kwargs):
        super().__init__(*args, **kwargs)
        decided = decided or {}
        self.subsidies = list(subsidies)
        self.amounts = {}
        self.fields["decided_on"].initial = timezone.localdate()
        for line in self.subsidies:
            self.fields[self.amount_name(line)] = forms.CharField(
                label=f"Montant décidé – {line.funder.name}",
                help_text=f"Demandé : {format_euros(line.amount_planned)}. 0 pour refuser.",
                initial=_initial_amount(decided.get(line.pk), line.amount_planned),
                widget=forms.TextInput(attrs={"inputmode": "decimal"}),
                error_messages={"required": "Indiquez le montant décidé (0 pour refuser)."},
            )
        amounts = [self.amount_name(line) for line in self.subsidies] or [
            HTML('<p class="fr-text--sm">Aucune subvention demandée (compte 74) dans le budget.</p>')
        ]
        self.helper = FormHelper()
        self.helper.form_error_title = "La programmation n'a pas été enregistrée."
        self.helper.layout = Layout(
            Fieldset("La décision", "decided_on", "reason"),
            Fieldset("Montants décidés par financeur", *amounts, "no_funding_reason"),
        )
        self.helper.add_input(Submit("programmer", "Programmer l'action"))

    @staticmethod
    def amount_name(line):
        return f"amount_{line.pk}"

    def clean_decided_on(self):
        decided_on = self.cleaned_data["decided_on"]
        if decided_on > timezone.localdate():
            raise forms.ValidationError("La date de la décision ne peut pas être dans le futur.")
        return decided_on

    def clean(self):
        data = super().clean()
        for line in self.subsidies:
            name = self.amount_name(line)
            if name not in data:
                continue
            try:
                self.amounts[line.pk] = parse_amount(data[name])
            except ValueError as error:
                self.add_error(name, str(error))
        complete = len(self.amounts) == len(self.subsidies)
        if complete and not any(self.amounts.values()) and not data.get("no_funding_reason", "").strip():
            self.add_error("no_funding_reason", "Programmation sans financement : indiquez-en le motif.")
        return data
