"""Celery tasks of the steering, taking ids: the PDF reports (one task per report) and
the decision notices to the porteurs (one task per decided proposal).

A report's task is idempotent (a report already done is not generated again), acknowledged
late (a worker that dies mid-way leaves the message to another one), retried with
back-off when the database connection fails, and marks the report ``failed`` with a
readable French reason for any other error.
"""

import logging

from celery import Task, shared_task
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import InterfaceError, OperationalError, connections
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from actions.models import Action
from actions.tasks import porteur_emails
from cites.models import Organisation
from financements import ledger
from financements.models import FundingLine

from .models import AgendaItem, ProgrammingDecision, Report
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


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def send_decision_notification(action_id, item_id=None, decision_id=None):
    """Tell the porteur the decision on its proposal: a COPIL's (``item_id``: programmed
    with the amounts per funder, rejected or postponed), sent when the coordination
    validates the meeting's decisions; or an out-of-COPIL programming (``decision_id``),
    sent at once. One message per recipient; a row deleted meanwhile sends nothing."""
    action = Action.objects.select_related("cite", "porteur").filter(pk=action_id).first()
    if action is None:
        return 0
    context = {"action": action, "meeting": None, "decided_on": None, "comment": "", "no_funding_reason": ""}
    if item_id is not None:
        item = AgendaItem.objects.select_related("meeting").filter(pk=item_id, action_id=action_id).first()
        if item is None or not item.decision:
            return 0
        outcome = item.decision
        context.update(meeting=item.meeting, decided_on=item.meeting.starts_at, comment=item.decision_comment)
    elif decision_id is not None:
        decision = ProgrammingDecision.objects.filter(pk=decision_id, action_id=action_id).first()
        if decision is None:
            return 0
        outcome = AgendaItem.Decision.PROGRAMMED
        context.update(
            decided_on=decision.decided_on, comment=decision.reason, no_funding_reason=decision.no_funding_reason
        )
    else:
        raise ValueError("A decision notice needs an agenda item or a programming decision.")
    funding, total = [], None
    if outcome == AgendaItem.Decision.PROGRAMMED:
        by_funder = ledger.figures_by(FundingLine.objects.filter(action=action), "funder")
        names = dict(Organisation.objects.filter(pk__in=list(by_funder)).values_list("pk", "name"))
        funding = sorted(
            ((names.get(funder_id, ""), money.decided) for funder_id, money in by_funder.items() if money.decided),
            key=lambda row: row[0],
        )
        total = sum((amount for _, amount in funding), start=0)
    recipients = porteur_emails(action)
    if not recipients:
        return 0
    context.update(
        outcome=outcome,
        outcome_label=AgendaItem.Decision(outcome).label.lower(),
        funding=funding,
        total=total,
        url=settings.SITE_URL + reverse("actions:detail", args=[action.pk]),
    )
    subject = " ".join(render_to_string("emails/pilotage_decision_subject.txt", context).split())
    body = render_to_string("emails/pilotage_decision_body.txt", context)
    for recipient in recipients:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient])
    return len(recipients)
