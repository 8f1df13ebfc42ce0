"""Steering pages: meetings and COPIL decisions, PDF reports.

Every object comes from :func:`accounts.scope.get_visible_or_404` (404 outside the scope,
so a partner gets 404 on every cité page; 403 for the wrong role).
"""

from .decisions import action_programme, meeting_decisions, meeting_validate
from .meetings import (
    meeting_agenda,
    meeting_attendees,
    meeting_create,
    meeting_detail,
    meeting_document_delete,
    meeting_document_download,
    meeting_document_upload,
    meeting_list,
    meeting_report,
    meeting_update,
)
from .reports import (
    action_sheets,
    cite_overview,
    index,
    report_cancel,
    report_download,
    report_generate,
    report_list,
    report_status,
)

__all__ = [
    "action_programme",
    "action_sheets",
    "cite_overview",
    "index",
    "meeting_agenda",
    "meeting_attendees",
    "meeting_create",
    "meeting_decisions",
    "meeting_detail",
    "meeting_document_delete",
    "meeting_document_download",
    "meeting_document_upload",
    "meeting_list",
    "meeting_report",
    "meeting_update",
    "meeting_validate",
    "report_cancel",
    "report_download",
    "report_generate",
    "report_list",
    "report_status",
]
