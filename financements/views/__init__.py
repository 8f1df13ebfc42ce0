"""Money pages, one module per subject:

- :mod:`.cites`: the index, a cité's overview for a year, envelopes, the programming
  table, exports;
- :mod:`.lines`: an action's funding, one line and its screens (amounts, legal act,
  payment, status, recovery);
- :mod:`.partner`: the partner's « Mes financements ».

Every object comes from :func:`accounts.scope.get_visible_or_404` (404 outside the
scope, 403 for a read-only role). Writes go through :mod:`financements.services`; a
refusal is shown in French with the typed values kept; a role the service does not allow
is its :class:`core.permissions.NotAllowed` (403).
"""

from .cites import (
    envelope_create,
    envelope_detail,
    envelope_update,
    export_csv,
    export_xlsx,
    index,
    overview,
    programming,
)
from .lines import (
    action_funding,
    line_amounts,
    line_detail,
    line_legal_act,
    line_payment,
    line_recovery,
    line_status,
    lines_from_budget,
)
from .partner import my_funding

__all__ = [
    "action_funding",
    "envelope_create",
    "envelope_detail",
    "envelope_update",
    "export_csv",
    "export_xlsx",
    "index",
    "line_amounts",
    "line_detail",
    "line_legal_act",
    "line_payment",
    "line_recovery",
    "line_status",
    "lines_from_budget",
    "my_funding",
    "overview",
    "programming",
]
