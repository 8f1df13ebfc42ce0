from decimal import Decimal, InvalidOperation

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Column, Div, Fieldset, Layout, Row, Submit
from django import forms
from django.utils import timezone
from dsfr.forms import DsfrBaseForm

from core import uploads
from core.formatting import format_euros
from core.forms import CrispyFormMixin, SubmitColumn
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


class DecisionRow:
    """One agenda item on the decision screen, bound to the submitted values (kept when
    saving fails), with the troïka's opinions on the proposal (``opinions``: rows with
    ``opinion`` and ``role``). Unbound, it shows the decision applied, else the draft typed
    before the meeting, else the budget's asks."""

    def __init__(self, item, subsidies, data=None, opinions=()):
        self.item = item
        self.prefix = f"point-{item.pk}"
        self.subsidies = subsidies
        self.opinions = list(opinions)
        self.errors = []
        decided_by_budget_line = {
            line.budget_line_id: line.decided_amount for line in item.action.funding_lines.all() if line.budget_line_id
        }
        if data is None:
            applied = bool(item.decision)
            self.decision = item.decision if applied else item.draft_decision
            self.comment = item.decision_comment if applied else item.draft_comment
            draft = {} if applied else item.draft_amounts or {}
            self.raw = {
                line.pk: _initial_amount(
                    Decimal(draft[str(line.pk)]) if str(line.pk) in draft else decided_by_budget_line.get(line.pk),
                    line.amount_planned,
                )
                for line in subsidies
            }
        else:
            self.decision = data.get(f"{self.prefix}-decision", "")
            self.comment = data.get(f"{self.prefix}-comment", "").strip()
            self.raw = {line.pk: data.get(f"{self.prefix}-amount-{line.pk}", "") for line in subsidies}
        self.amounts = {}

    @property
    def amount_fields(self):
        return [(line, f"{self.prefix}-amount-{line.pk}", self.raw[line.pk]) for line in self.subsidies]

    def validate(self):
        D = AgendaItem.Decision
        if self.decision not in D.values:
            self.errors.append("Choisissez une décision.")
        if self.decision == D.REJECTED and not self.comment:
            self.errors.append("Motivez la décision de ne pas retenir l'action (commentaire).")
        if self.decision == D.PROGRAMMED:
            for line in self.subsidies:
                try:
                    self.amounts[line.pk] = parse_amount(self.raw[line.pk])
                except ValueError as error:
                    self.errors.append(f"{line.funder} : {error}")
                    continue
                if self.amounts[line.pk] is None:
                    self.errors.append(f"{line.funder} : indiquez le montant décidé (0 pour refuser).")
            if not self.errors and not any(self.amounts.values()) and not self.comment:
                self.errors.append("Programmée sans financement : motivez la décision (commentaire).")
        return not self.errors


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
