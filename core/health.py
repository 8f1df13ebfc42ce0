"""Health endpoints, with django-health-check.

- ``/sante/`` for the load balancers: the database and the file storage. It answers 500 when
  either is down, so a web machine that cannot serve is taken out of rotation.
- ``/sante/complet/`` for monitoring: adds the cache and a ping of the Celery workers through
  the broker (it fails when no worker answers). It tells what runs where, so it answers
  only the monitoring (``Authorization: Bearer <HEALTHCHECK_TOKEN>``) and the national
  administration; anyone else gets a 404.

A worker machine checks itself with Celery's own ping of its node:
``celery -A portail inspect ping -d celery@$(hostname)`` (exit code 0 when it answers).
"""

import hmac
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from health_check.views import HealthCheckView

LIVE_CHECKS = ["health_check.checks.Database", "health_check.checks.Storage"]
FULL_CHECKS = [
    *LIVE_CHECKS,
    "health_check.checks.Cache",
    ("health_check.contrib.celery.Ping", {"timeout": timedelta(seconds=3)}),
]

live = login_not_required(HealthCheckView.as_view(checks=LIVE_CHECKS))
_full = HealthCheckView.as_view(checks=FULL_CHECKS)


def _is_monitoring(request):
    token = settings.HEALTHCHECK_TOKEN
    sent = request.headers.get("Authorization", "").removeprefix("Bearer ")
    return bool(token) and hmac.compare_digest(sent.encode(), token.encode())


@login_not_required
async def full(request):
    if not (_is_monitoring(request) or (await request.auser()).is_superuser):
        raise Http404
    return await _full(request)
