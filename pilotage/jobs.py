"""The life of a report job around its Celery task (:func:`pilotage.tasks.generate_report`).

States: ``queued`` → ``running`` → ``done`` or ``failed``; a queued report may be
``cancelled`` by its requester or the cité's coordination.

- A request is committed first, then handed to the broker (:func:`dispatch`). When the
  broker is unreachable the report simply stays queued with no ``dispatched_at``: the
  user is answered all the same.
- A queued report is taken by the first message that arrives (:func:`claim`), and it
  records that message's task id; a running report is taken again only by the same
  message (a Celery retry, or a redelivery after its worker died), and every write of a
  run is conditional on that id. So duplicated or late messages do nothing, and a run
  the sweep gave up on (its worker presumed dead) never overwrites the newer one.
- The sweep (:func:`sweep`, every minute from Celery beat) sends again what the broker
  never received (or lost), and reclaims the reports of dead workers: running with no
  heartbeat (``updated_at``) for longer than the hard time limit plus a margin. The third
  interrupted run fails the report with a French reason.
"""

import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerUnreachable

from .models import Report

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = Report.MAX_ATTEMPTS
# settings.REPORT_*: one minute, one hour and one minute unless the environment says otherwise.
DISPATCH_GRACE = settings.REPORT_DISPATCH_GRACE  # a request not handed to the broker by then is sent by the sweep
LOST_AFTER = settings.REPORT_LOST_AFTER  # a request handed to the broker but not picked up by then is sent again
HEARTBEAT_MARGIN = settings.REPORT_HEARTBEAT_MARGIN

Status = Report.Status


def stall_limit():
    """No run outlives the hard time limit: a running report silent for longer lost its worker."""
    return timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT) + HEARTBEAT_MARGIN


def interrupted_reason(timed_out=False):
    if timed_out:
        minutes = settings.CELERY_TASK_SOFT_TIME_LIMIT // 60
        return (
            f"La génération a dépassé la durée maximale ({minutes} minutes) à {MAX_ATTEMPTS} reprises. "
            "Relancez-la plus tard ; si l'échec se répète, contactez l'équipe technique."
        )
    return (
        f"La génération a été interrompue {MAX_ATTEMPTS} fois (service de génération arrêté ou "
        "trop lent). Relancez la génération ; si l'échec se répète, contactez l'équipe technique."
    )


def dispatch(report_id):
    """Hand a queued report to the broker under a new task id. True when sent; False when
    the broker is unreachable (the report stays queued for the sweep); None when the
    report is no longer queued."""
    from .tasks import generate_report

    task_id = str(uuid.uuid4())
    if not Report.objects.filter(pk=report_id, status=Status.QUEUED).update(
        task_id=task_id, dispatched_at=timezone.now()
    ):
        return None
    try:
        generate_report.apply_async((report_id,), task_id=task_id)
    except (BrokerUnreachable, OSError):
        logger.warning("Rapport %s : broker injoignable, la demande reste en file d'attente", report_id, exc_info=True)
        Report.objects.filter(pk=report_id, status=Status.QUEUED, task_id=task_id).update(dispatched_at=None)
        return False
    return True


def claim(report_id, task_id, new_attempt=True):
    """Mark the report running for the run of ``task_id`` and return it; None when it is
    not this run's to do (done, failed, cancelled, or running under another message).
    Any message takes a queued report: after a backlog longer than ``LOST_AFTER`` the
    sweep's newer message must not starve it. ``task_id`` empty: a direct call (demo
    data, a shell), which takes whatever is left to do. ``new_attempt`` false: a Celery
    retry of the same run (not counted)."""
    if task_id:
        mine = Q(status=Status.QUEUED) | Q(status=Status.RUNNING, task_id=task_id)
    else:
        mine = Q(status__in=(Status.QUEUED, Status.RUNNING))
    now = timezone.now()
    claimed = Report.objects.filter(mine, pk=report_id).update(
        status=Status.RUNNING,
        progress=5,
        task_id=task_id,
        attempts=F("attempts") + int(new_attempt),
        started_at=now,
        updated_at=now,
    )
    if not claimed:
        return None
    report = Report.objects.select_related("cite", "meeting__cite", "action", "requested_by").get(pk=report_id)
    if report.attempts > MAX_ATTEMPTS:  # redelivered again and again: each run killed its worker
        fail(report_id, interrupted_reason(), task_id)
        return None
    return report


def _run(report_id, task_id):
    return Report.objects.filter(pk=report_id, status=Status.RUNNING, task_id=task_id)


def heartbeat(report_id, task_id, progress):
    return _run(report_id, task_id).update(progress=progress, updated_at=timezone.now())


def finish(report_id, task_id, **fields):
    """Record the run's result; False when the report is no longer this run's."""
    now = timezone.now()
    return bool(
        _run(report_id, task_id).update(
            status=Status.DONE, progress=100, error="", finished_at=now, updated_at=now, **fields
        )
    )


def fail(report_id, reason, task_id=None):
    """Mark the report failed with its French reason (only this run's, when ``task_id`` is given)."""
    reports = Report.objects.filter(pk=report_id) if task_id is None else _run(report_id, task_id)
    now = timezone.now()
    reports.update(status=Status.FAILED, error=reason, finished_at=now, updated_at=now)
    return Status.FAILED


def interrupt(report_id, task_id):
    """The run hit the soft time limit: queued again (the sweep sends it), or failed at the last attempt."""
    run = _run(report_id, task_id)
    if run.filter(attempts__gte=MAX_ATTEMPTS).exists():
        return fail(report_id, interrupted_reason(timed_out=True), task_id)
    run.update(status=Status.QUEUED, progress=0, dispatched_at=None, updated_at=timezone.now())
    return Status.QUEUED


def sweep(now=None):
    """Reclaim the reports of dead workers, then send what the broker never received or
    lost. Returns the counts (for the logs)."""
    now = now or timezone.now()
    stalled = Report.objects.stalled(now - stall_limit())
    failed = stalled.filter(attempts__gte=MAX_ATTEMPTS).update(
        status=Status.FAILED, error=interrupted_reason(), finished_at=now, updated_at=now
    )
    reclaimed = list(stalled.order_by("pk").values_list("pk", flat=True))
    requeued = stalled.filter(pk__in=reclaimed).update(
        status=Status.QUEUED, progress=0, dispatched_at=None, updated_at=now
    )
    pending = Report.objects.undispatched(now - DISPATCH_GRACE) | Report.objects.lost_in_queue(now - LOST_AFTER)
    to_send = reclaimed + [pk for pk in pending.order_by("created_at", "pk").values_list("pk", flat=True)]
    sent = 0
    for report_id in dict.fromkeys(to_send):
        outcome = dispatch(report_id)
        if outcome is False:
            break  # the broker is down: the next sweep tries again
        sent += bool(outcome)
    waiting = Report.objects.filter(pk__in=to_send, status=Status.QUEUED, dispatched_at__isnull=True).count()
    counts = {"failed": failed, "requeued": requeued, "dispatched": sent, "waiting": waiting}
    if any(counts.values()):
        logger.info("Balayage des rapports : %s", counts)
    return counts
