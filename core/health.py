"""Health endpoints, with django-health-check.

- ``/sante/`` for the load balancers: the database and the file storage. It answers 500 when
  either is down, so a web machine that cannot serve is taken out of rotation.
- ``/sante/complet/`` for monitoring: adds the cache and a ping of the Celery workers through
  the broker (it fails when no worker answers). Keep it on the private network (see
  ``docs/deployment.md``).

A worker machine checks itself with Celery's own ping of its node:
``celery -A portail inspect ping -d celery@$(hostname)`` (exit code 0 when it answers).
"""

from datetime import timedelta

from django.contrib.auth.decorators import login_not_required
from health_check.views import HealthCheckView

LIVE_CHECKS = ["health_check.checks.Database", "health_check.checks.Storage"]
FULL_CHECKS = [
    *LIVE_CHECKS,
    "health_check.checks.Cache",
    ("health_check.contrib.celery.Ping", {"timeout": timedelta(seconds=3)}),
]

live = login_not_required(HealthCheckView.as_view(checks=LIVE_CHECKS))
full = login_not_required(HealthCheckView.as_view(checks=FULL_CHECKS))
