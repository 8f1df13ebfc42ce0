"""Celery tasks of the steering, taking ids: the PDF reports (one task per report) and the
sweep of report jobs (the decision notices are :mod:`pilotage.notifications`).

A report's task runs only under the task id its report records (see :mod:`pilotage.jobs`:
a duplicated or late message does nothing), is acknowledged late (a worker that dies
mid-way leaves the message to another one), stops at the soft time limit, is retried with
back-off when the database connection fails, and marks the report ``failed`` with a
readable French reason for any other error. The requester gets an e-mail when it is ready.
"""

import logging

from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import InterfaceError, OperationalError, connections

from core.mail import queue_mail

from . import jobs
from .models import Report
from .reports import BUILDERS, ReportDataError

logger = logging.getLogger(__name__)
TRANSIENT = (OperationalError, InterfaceError)
MAX_RETRIES = 5


def drop_broken_connections():
    """After a database error the worker's connection may be dead (PostgreSQL restarted,
    network cut): close it so that the retry opens a fresh one. Never inside a
    transaction (eager tasks in tests run inside the test's)."""
    for conn in connections.all(initialized_only=True):
        if not conn.in_atomic_block:
            conn.close()


def render_pdf(template_name, context):
    """WeasyPrint (and so Pango) is imported here, on the worker machines only: the web
    machines import this module to dispatch a report and need no Pango."""
    from .pdf import render_pdf as render

    return render(template_name, context)


def mark_failed(report_id, reason):
    return jobs.fail(report_id, reason)


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
    bind=True,
    base=ReportTask,
    acks_late=True,
    autoretry_for=TRANSIENT,
    retry_backoff=2,
    retry_backoff_max=120,
    retry_jitter=True,
    max_retries=MAX_RETRIES,
)
def generate_report(self, report_id):
    """Generate the PDF of report ``report_id``; returns its final status (time limits:
    CELERY_TASK_SOFT_TIME_LIMIT and CELERY_TASK_TIME_LIMIT)."""
    try:
        return _generate(report_id, self.request.id or "", new_attempt=not self.request.retries)
    except TRANSIENT:
        drop_broken_connections()
        raise  # retried by Celery (autoretry_for)


@shared_task
def sweep_reports():
    """Every minute (CELERY_BEAT_SCHEDULE): see :func:`pilotage.jobs.sweep`."""
    return jobs.sweep()


def _generate(report_id, task_id, new_attempt=True):
    report = jobs.claim(report_id, task_id, new_attempt)
    if report is None:  # not this run's: done, failed, cancelled, taken over, or deleted
        return Report.objects.filter(pk=report_id).values_list("status", flat=True).first()
    try:
        template_name, context = BUILDERS[report.kind](report)
        jobs.heartbeat(report_id, task_id, 30)
        pdf, pages = render_pdf(template_name, context)
        jobs.heartbeat(report_id, task_id, 90)
        report.file.save(report.filename, ContentFile(pdf), save=False)
    except TRANSIENT:
        raise  # not a failure of the report: see generate_report
    except SoftTimeLimitExceeded:
        logger.warning("Rapport %s : durée maximale dépassée (tentative %s)", report_id, report.attempts)
        return jobs.interrupt(report_id, task_id)
    except ReportDataError as error:
        return jobs.fail(report_id, str(error), task_id)
    except Exception as error:
        logger.exception("Rapport %s : échec de la génération", report_id)
        return jobs.fail(
            report_id,
            f"Erreur inattendue pendant la génération du PDF ({error.__class__.__name__} : {error}). "
            "Relancez la génération ; si l'erreur persiste, contactez l'équipe technique.",
            task_id,
        )
    if not jobs.finish(report_id, task_id, file=report.file.name, size=len(pdf), page_count=pages):
        report.file.delete(save=False)  # another run took the report over meanwhile
        return Report.objects.filter(pk=report_id).values_list("status", flat=True).first()
    if task_id:  # asked through the portal (not demo data): the requester is waiting for it
        notify_report_ready(report)
    return Report.Status.DONE


def notify_report_ready(report):
    """Queue the e-mail that tells the requester the report is ready (sent by the mail
    sweep, retried if the SMTP server is down: a mail never fails the report)."""
    user = report.requested_by
    if user is None or not user.email:
        return False
    context = {"report": report, "user": user, "url": settings.SITE_URL + report.page_url}
    queue_mail(user.email, "emails/pilotage_report_ready_subject.txt", "emails/pilotage_report_ready_body.txt", context)
    return True
