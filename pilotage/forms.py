from decimal import Decimal, InvalidOperation

from django import forms
from dsfr.forms import DsfrBaseForm

from actions import files

from .models import AgendaItem, Attendee, Meeting, MeetingDocument, Report

# Meeting documents: text documents only (no images, no spreadsheets).
MEETING_DOCUMENT_TYPES = (files.PDF, files.ODT, files.DOCX)
MEETING_DOCUMENT_LABEL = "PDF, ODT ou DOCX"
MEETING_DOCUMENT_MAX_BYTES = 10 * 1024 * 1024

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class MeetingForm(forms.ModelForm, DsfrBaseForm):
    class Meta:
        model = Meeting
        fields = ["kind", "title", "starts_at", "place", "chair", "minutes"]
        widgets = {"starts_at": DATETIME_WIDGET, "minutes": forms.Textarea(attrs={"rows": 8})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["starts_at"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"]
        self.fields["title"].help_text = "Par exemple : COPIL de programmation 2026."
        self.fields["chair"].help_text = "Par exemple : le préfet du Gard et le président d'Alès Agglomération."


class AttendeeForm(forms.ModelForm, DsfrBaseForm):
    class Meta:
        model = Attendee
        fields = ["name", "organisation_name", "category", "presence"]


AttendeeFormSet = forms.inlineformset_factory(
    Meeting, Attendee, form=AttendeeForm, extra=3, can_delete=True, max_num=500
)


class MeetingDocumentForm(forms.ModelForm, DsfrBaseForm):
    """A meeting document, accepted for its content (magic bytes), never its extension."""

    class Meta:
        model = MeetingDocument
        fields = ["title", "file"]
        help_texts = {
            "title": "Par exemple : diaporama de présentation, relevé de décisions signé.",
            "file": f"Formats acceptés : {MEETING_DOCUMENT_LABEL}. 10 Mo au plus.",
        }

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MEETING_DOCUMENT_MAX_BYTES:
            size = f"{upload.size / (1024 * 1024):.1f}".replace(".", ",")
            raise forms.ValidationError(f"Le fichier « {upload.name} » pèse {size} Mo : 10 Mo au plus.")
        self.detected = files.detect_type(upload)
        if self.detected not in MEETING_DOCUMENT_TYPES:
            raise forms.ValidationError(
                f"Le fichier « {upload.name} » est refusé : son contenu n'est pas celui d'un document "
                f"{MEETING_DOCUMENT_LABEL}, quelle que soit son extension."
            )
        return upload

    def save_for(self, meeting, user):
        document = self.instance
        upload = self.cleaned_data["file"]
        document.meeting = meeting
        document.uploaded_by = user
        document.original_name = upload.name[-255:]
        document.content_type = self.detected.content_type
        document.extension = self.detected.extension
        document.size = upload.size
        document.save()
        return document


class ReportRequestForm(DsfrBaseForm):
    kind = forms.ChoiceField(label="Type de rapport")
    year = forms.IntegerField(label="Année", min_value=2019, max_value=2100)
    meeting = forms.ModelChoiceField(label="Réunion (dossier et compte rendu de COPIL)", queryset=None, required=False)

    def __init__(self, *args, kinds, meetings, **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(Report.Kind.choices)
        self.fields["kind"].choices = [(kind, labels[kind]) for kind in kinds]
        self.fields["meeting"].queryset = meetings

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
    saving fails)."""

    def __init__(self, item, subsidies, data=None):
        self.item = item
        self.prefix = f"point-{item.pk}"
        self.subsidies = subsidies
        self.errors = []
        decided_by_budget_line = {
            line.budget_line_id: line.decided_amount for line in item.action.funding_lines.all() if line.budget_line_id
        }
        if data is None:
            self.decision = item.decision
            self.comment = item.decision_comment
            self.raw = {
                line.pk: _initial_amount(decided_by_budget_line.get(line.pk), line.amount_planned) for line in subsidies
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
        return not self.errors


def _initial_amount(decided, requested):
    value = requested if decided is None else decided
    return f"{value:.2f}".replace(".", ",")
