"""Structured logs: one JSON object per line, with the request id, the user id and the task id.

- The request id comes from django-guid (``X-Request-ID``: taken from the proxy when it sends
  a valid one, created otherwise, returned in the response, and carried into the Celery
  tasks the request queues).
- The user id is set by :class:`LogContextMiddleware` once the user is known.
- The task id is read from Celery's current task, in the worker.

Nothing personal beyond the user's id is logged.
"""

import contextvars
import logging

from celery import current_task
from django.core.signals import request_started

_user_id = contextvars.ContextVar("portail_log_user_id", default=None)


def _forget_user(**kwargs):
    _user_id.set(None)


# Cleared when a request starts rather than when the middleware returns: Django logs 4xx
# answers ("Not Found: …") after the middleware chain, and that line needs the user too.
request_started.connect(_forget_user, dispatch_uid="portail_log_forget_user")


class LogContextMiddleware:
    """Puts the signed-in user's id in the log context for the rest of the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        _user_id.set(user.pk if user is not None and user.is_authenticated else None)
        return self.get_response(request)


class ContextFilter(logging.Filter):
    """Adds ``user_id`` and ``task_id`` to every record (``None`` when there is none)."""

    def filter(self, record):
        record.user_id = _user_id.get()
        task = current_task
        record.task_id = task.request.id if task and task.request else None
        return True


def logging_config(*, level, json):
    """The LOGGING setting: JSON lines in production, readable text in development."""
    fields = "%(asctime)s %(levelname)s %(name)s %(message)s %(correlation_id)s %(user_id)s %(task_id)s"
    formatter = (
        {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": fields,
            "rename_fields": {"levelname": "level", "name": "logger", "correlation_id": "request_id"},
            "json_ensure_ascii": False,
        }
        if json
        else {
            "format": "%(asctime)s %(levelname)s %(name)s [req=%(correlation_id)s user=%(user_id)s "
            "task=%(task_id)s] %(message)s"
        }
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {"()": "django_guid.log_filters.CorrelationId"},
            "context": {"()": "core.logging.ContextFilter"},
        },
        "formatters": {"main": formatter},
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": "main", "filters": ["request_id", "context"]}
        },
        "root": {"handlers": ["console"], "level": level},
        # One line per request is the proxy's job; Django's own request log stays at warnings.
        "loggers": {
            name: {"level": "WARNING"}
            for name in ("django.request", "django.server", "django_guid", "axes", "post_office")
        },
    }
