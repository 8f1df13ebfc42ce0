"""Template filters of the report rows."""

from django import template

from pilotage import permissions

register = template.Library()


@register.filter
def cancellable_by(report, user):
    """A queued report this user may cancel (no query: the scope is cached on the user)."""
    return report.status == report.Status.QUEUED and permissions.can_cancel_report(user, report)
