"""Uploads: a file is recognised by its content (magic bytes), never by its name, and
weighs at most ``settings.UPLOAD_MAX_BYTES`` (one limit for every upload of the portal).

Accepted: PDF, OpenDocument text and spreadsheet (ODT, ODS), Office Open XML text and
spreadsheet (DOCX, XLSX), PNG and JPEG. OpenDocument and Office files are zip archives:
the first declares its type in a ``mimetype`` entry, the second lists its parts in
``[Content_Types].xml`` (``word/document.xml`` or ``xl/workbook.xml``). Office files that
carry macros (``.docm``, ``.xlsm``: a ``vbaProject.bin`` part, a ``macroEnabled`` content
type) are refused with a message of their own, whatever their name.
"""

import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.functional import lazy

from .formatting import format_size

ACCEPTED_LABEL = "PDF, ODT, DOCX, XLSX, ODS, PNG ou JPEG"


@dataclass(frozen=True)
class FileType:
    label: str
    content_type: str
    extension: str


PDF = FileType("PDF", "application/pdf", ".pdf")
PNG = FileType("PNG", "image/png", ".png")
JPEG = FileType("JPEG", "image/jpeg", ".jpg")
ODT = FileType("ODT", "application/vnd.oasis.opendocument.text", ".odt")
ODS = FileType("ODS", "application/vnd.oasis.opendocument.spreadsheet", ".ods")
DOCX = FileType("DOCX", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx")
XLSX = FileType("XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx")
OPENDOCUMENT = {ODT.content_type: ODT, ODS.content_type: ODS}
# Never accepted: an Office document with macros (it would run code on the reader's machine).
MACRO_OFFICE = FileType("Office avec macros", "application/vnd.ms-office.macroEnabled", "")


def _has_macros(archive, names):
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        return True
    content_types = archive.read("[Content_Types].xml")[:200_000]
    return b"macroenabled" in content_types.lower()


def _zip_type(fileobj):
    try:
        with zipfile.ZipFile(fileobj) as archive:
            names = set(archive.namelist())
            if "mimetype" in names and archive.getinfo("mimetype").file_size < 200:
                return OPENDOCUMENT.get(archive.read("mimetype").decode("ascii", "replace").strip())
            if "[Content_Types].xml" in names:
                if _has_macros(archive, names):
                    return MACRO_OFFICE
                if "word/document.xml" in names:
                    return DOCX
                if "xl/workbook.xml" in names:
                    return XLSX
    except (zipfile.BadZipFile, KeyError, OSError, RuntimeError, ValueError):
        return None
    return None


def detect_type(fileobj):
    """The :class:`FileType` of an accepted file, or None. Leaves the file at its start."""
    fileobj.seek(0)
    head = fileobj.read(8)
    fileobj.seek(0)
    try:
        if head.startswith(b"%PDF-"):
            return PDF
        if head.startswith(b"\x89PNG\r\n\x1a\n"):
            return PNG
        if head.startswith(b"\xff\xd8\xff"):
            return JPEG
        if head.startswith(b"PK\x03\x04"):
            return _zip_type(fileobj)
        return None
    finally:
        fileobj.seek(0)


ALL_TYPES = (PDF, PNG, JPEG, ODT, ODS, DOCX, XLSX)
_EXTENSIONS = {file_type.content_type: file_type.extension for file_type in ALL_TYPES}
_EXTENSIONS["text/csv"] = ".csv"


def extension_for(content_type):
    """The extension of a type we serve (``.pdf``…), or ``""`` for an unknown one."""
    return _EXTENSIONS.get((content_type or "").split(";")[0].strip().lower(), "")


def max_bytes():
    return settings.UPLOAD_MAX_BYTES


def _help_text(label):
    return f"Formats acceptés : {label}. {format_size(max_bytes())} au plus."


help_text = lazy(_help_text, str)  # read when the form is shown: the limit is a setting


def check_upload(upload, types=ALL_TYPES, label=ACCEPTED_LABEL):
    """The :class:`FileType` of an upload within the size limit and of one of ``types``;
    else a French :class:`ValidationError` naming the file."""
    limit = max_bytes()
    if upload.size > limit:
        raise ValidationError(
            f"Le fichier « {upload.name} » pèse {format_size(upload.size)} : la limite est de {format_size(limit)}."
        )
    detected = detect_type(upload)
    if detected is MACRO_OFFICE:
        raise ValidationError(
            f"Le fichier « {upload.name} » est refusé : c'est un document Office avec macros. "
            "Enregistrez-le sans macros (en .docx ou .xlsx) ou en PDF, puis déposez-le à nouveau."
        )
    if detected not in types:
        raise ValidationError(
            f"Le fichier « {upload.name} » est refusé : son contenu n'est pas celui d'un document {label}, "
            "quelle que soit son extension."
        )
    return detected


def validate_pdf(upload):
    """Field validator: a PDF (by content) within the size limit."""
    if upload:
        check_upload(upload, (PDF,), PDF.label)
    return upload


class _CurrentFile:
    def __init__(self, name, url):
        self.name, self.url = name, url

    def __str__(self):
        return self.name


class PrivateFileInput(forms.ClearableFileInput):
    """The file input of a stored document: the current file links to its
    permission-checked download view (``download_url``, set by the form), never to the
    storage's own URL (on S3 a signed URL past every check, on the disk a dead link).
    Without ``download_url`` the current file is not shown."""

    download_url = ""

    def is_initial(self, value):
        return bool(value and getattr(value, "name", "") and self.download_url)

    def format_value(self, value):
        if self.is_initial(value):
            return _CurrentFile(PurePath(value.name).name, self.download_url)
        return None


def pdf_field(label):
    """An optional form field for a signed document: a PDF within the limit."""
    return forms.FileField(
        label=label, required=False, validators=[validate_pdf], help_text=help_text("PDF"), widget=PrivateFileInput
    )
