"""A broker that is down, for the tests of what survives it (never the shared Redis)."""

from contextlib import contextmanager

from portail.celery import app as celery_app

DEAD_BROKER = "redis://127.0.0.1:9/0"  # nothing listens on the discard port


@contextmanager
def broker_down():
    """Celery as in production (not eager), publishing to a broker that refuses
    connections. The *write* URL, because the CELERY_BROKER_URL variable (CI's Redis pass)
    overrides ``broker_url``."""
    keys = ("task_always_eager", "broker_write_url", "broker_transport_options")
    saved = {key: celery_app.conf[key] for key in keys}
    celery_app.conf.update(task_always_eager=False, broker_write_url=DEAD_BROKER, broker_transport_options={})
    celery_app._after_fork()  # drop the connection pools of the previous broker
    try:
        yield
    finally:
        celery_app.conf.update(saved)
        celery_app._after_fork()
