"""Calls for projects (appels à projets), proposals (fiches action) and their instruction.

The workflow of an action lives in :mod:`actions.services` (one state machine); this
package only holds the data, the scoped querysets and the rules about one object, one
module a sub-domain: ``calls``, ``action``, ``budget`` (indicators and budget lines),
``instruction`` (timeline, avis, notes, messages), ``attachments``, ``reports`` (bilans),
``signup`` (join requests).
"""

from .action import Action, ActionQuerySet, AgeBand, ReferenceCounter, ScopedByActionQuerySet, budget_gap_message
from .attachments import Attachment, StoredFile
from .bilans import BeneficiaryCount, Bilan
from .budget import (
    CHARGE_ACCOUNTS,
    PRODUIT_ACCOUNTS,
    SUBSIDY_ACCOUNT,
    VARIANCE_THRESHOLD,
    BudgetLine,
    Indicator,
    variance_needs_explanation,
)
from .calls import Call, CallQuerySet
from .instruction import Message, Note, Opinion, Transition
from .signup import JoinRequest

__all__ = [
    "CHARGE_ACCOUNTS",
    "PRODUIT_ACCOUNTS",
    "SUBSIDY_ACCOUNT",
    "VARIANCE_THRESHOLD",
    "Action",
    "ActionQuerySet",
    "Bilan",
    "AgeBand",
    "Attachment",
    "BeneficiaryCount",
    "BudgetLine",
    "Call",
    "CallQuerySet",
    "Indicator",
    "JoinRequest",
    "Message",
    "Note",
    "Opinion",
    "ReferenceCounter",
    "ScopedByActionQuerySet",
    "StoredFile",
    "Transition",
    "budget_gap_message",
    "variance_needs_explanation",
]
