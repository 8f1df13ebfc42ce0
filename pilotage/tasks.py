"""Celery tasks of the steering, taking ids: the PDF reports (one task per report).

A report's task is idempotent (a report already done is not generated again), acknowledged
late (a worker that dies mid-way leaves the message to another one), retried with
back-off when the database connection fails, and marks the report ``failed`` with a
readable French reason for any other error.
"""

import logging

from celery import Task, shared_task
from django.core.files.base import ContentFile
from django.db import InterfaceError, OperationalError, connections
from django.utils import timezone

from .models import Report
from .pdf import render_pdf
from .reports import BUILDERS, ReportDataError

logger = logging.getLogger(__name__)
TRANSIENT = (OperationalError, InterfaceError)
MAX_RETRIES = 5


def _update(report_id, **fields):
    Report.objects.filter(pk=report_id).update(updated_at=timezone.now(), **fields)


def drop_broken_connections():
    """After a database error the worker's connection may be dead (PostgreSQL restarted,
    network cut): close it so that the retry opens a fresh one. Never inside a
    transaction (eager tasks in tests run inside the test's)."""
    for conn in connections.all(initialized_only=True):
        if not conn.in_atomic_block:
            conn.close()


def mark_failed(report_id, reason):
    _update(report_id, status=Report.Status.FAILED, error=reason, finished_at=timezone.now())


class ReportTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo):
        """Retries exhausted on a transient error: say so on the report (if we can)."""
        report_id = args[0] if args else kwargs.get("report_id")
        try:
            mark_failed(
                report_id,
                "La base de données est restée indisponible pendant la génération "
                f"({MAX_RETRIES} nouvelles tentatives). Relancez la génération un peu plus tard.",
            )
        except TRANSIENT:
            logger.exception("Rapport %s : impossible d'enregistrer l'échec", report_id)


@shared_task(
    base=ReportTask,
    acks_late=True,
    autoretry_for=TRANSIENT,
    retry_backoff=2,
    retry_backoff_max=120,
    retry_jitter=True,
    max_retries=MAX_RETRIES,
)
def generate_report(report_id):
    """Generate the PDF of report ``report_id``; returns its final status."""
    try:
        return _generate(report_id)
    except TRANSIENT:
        drop_broken_connections()
        raise  # retried by Celery (autoretry_for)


def _generate(report_id):
    claimed = Report.objects.filter(pk=report_id, status__in=(Report.Status.QUEUED, Report.Status.RUNNING)).update(
        status=Report.Status.RUNNING, progress=5, started_at=timezone.now(), updated_at=timezone.now()
    )
    if not claimed:  # done, failed (a new request makes a new version) or deleted
        return Report.objects.filter(pk=report_id).values_list("status", flat=True).first()
    report = Report.objects.select_related("cite", "meeting__cite", "action").get(pk=report_id)
    try:
        template_name, context = BUILDERS[report.kind](report)
        _update(report_id, progress=30)
        pdf, pages = render_pdf(template_name, context)
        _update(report_id, progress=90)
        report.file.save(report.filename, ContentFile(pdf), save=False)
    except TRANSIENT:
        raise  # not a failure of the report: see generate_report
    except ReportDataError as error:
        mark_failed(report_id, str(error))
        return Report.Status.FAILED
    except Exception as error:
        logger.exception("Rapport %s : échec de la génération", report_id)
        mark_failed(
            report_id,
            f"Erreur inattendue pendant la génération du PDF ({error.__class__.__name__} : {error}). "
            "Relancez la génération ; si l'erreur persiste, contactez l'équipe technique.",
        )
        return Report.Status.FAILED
    _update(
        report_id,
        status=Report.Status.DONE,
        progress=100,
        file=report.file.name,
        size=len(pdf),
        page_count=pages,
        error="",
        finished_at=timezone.now(),
    )
    return Report.Status.DONE
