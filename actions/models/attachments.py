"""Documents joined to a proposal (statuts, RIB, last accounts…).

Stored in the default storage (S3 bucket or MEDIA_ROOT), which no URL serves: they are
downloaded only through ``actions:attachment_download``, which checks the user's scope and role.
"""

import uuid

from django.db import models

from core.models import TimeStamped, done_by

from .action import Action, ScopedByActionQuerySet


def attachment_path(instance, filename):
    # Never the user's file name (it is kept in original_name): a random name with the
    # extension of the detected type.
    return f"actions/{instance.action_id}/{uuid.uuid4().hex}{instance.extension}"


class StoredFile(TimeStamped):
    """A file recognised by its content (:mod:`core.uploads`) and stored under a random
    name: what the user called it, the detected type, its size and who uploaded it.
    Subclasses add the ``file`` field with their own ``upload_to``."""

    original_name = models.CharField("nom du fichier", max_length=255)
    content_type = models.CharField("format", max_length=100)
    extension = models.CharField("extension", max_length=10)
    size = models.PositiveIntegerField("taille (octets)")
    uploaded_by = done_by("déposé par")

    class Meta:
        abstract = True

    def take_upload(self, upload, file_type, *, by):
        """Describe the upload held by ``file`` (``file_type``: what
        :func:`core.uploads.check_upload` recognised); the caller saves."""
        self.uploaded_by = by
        self.original_name = upload.name[-255:]
        self.content_type = file_type.content_type
        self.extension = file_type.extension
        self.size = upload.size


class Attachment(StoredFile):
    class Kind(models.TextChoices):
        STATUTES = "statuts", "Statuts"
        RIB = "rib", "RIB"
        ACCOUNTS = "comptes", "Derniers comptes approuvés"
        OTHER = "autre", "Autre document"

    # Bank details and statutes: only the porteur and the instruction read them.
    SENSITIVE_KINDS = (Kind.STATUTES, Kind.RIB)

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="attachments", verbose_name="action")
    kind = models.CharField("type de document", max_length=10, choices=Kind.choices)
    file = models.FileField("fichier", upload_to=attachment_path, max_length=200)

    objects = ScopedByActionQuerySet.as_manager()

    class Meta:
        verbose_name = "pièce jointe"
        verbose_name_plural = "pièces jointes"
        ordering = ["action", "kind", "id"]

    def __str__(self):
        return f"{self.get_kind_display()} – {self.original_name}"
