"""Operations on money: every write to envelopes, funding lines and payments.

The package's modules: ``transitions`` (the declared table, the role check), ``rows``
(locks, saves, the envelope totals), ``envelopes``, ``amounts`` (proposed and decided
amounts, one line or many), ``payments`` (legal act, payments, recovery), ``lines``
(creation from the budget, status changes, the line form). Callers import from here.

Each function runs in one transaction. The rows an invariant depends on are locked with
``select_for_update()`` — always envelopes first, then lines, each in primary-key order,
so that two operations never wait on each other in a cycle — and the sums are recomputed
from the database *after* the locks are held. Two coordinators allocating the last euros
of an envelope at the same time are thus serialised: the second one sees the first one's
decision and is refused. (On SQLite, ``select_for_update`` is a no-op but transactions
start with ``BEGIN IMMEDIATE``, which serialises writers in the same way.)

Each envelope keeps two totals (``stored_decided``, ``stored_paid``) that the national and
préfecture dashboards read instead of the lines and payments: every operation that
changes a decided amount, a status, a line's envelope or a payment recomputes them with
:func:`refresh_envelope_totals`, under the envelope's row lock, in its own transaction.

A funding line's life is the declared table :data:`TRANSITIONS` (requested → decided →
committed → paid → justified, with rejected, cancelled and to recover → recovered). Every
status change goes through it, under the locks: the rule says from which statuses and for
which roles, and a :class:`~financements.models.LineTransition` records who, when and why
in the same transaction.

A refused operation raises :class:`FundingError` with a French message (and, for bulk
operations, the list of problems) and changes nothing; a role that may not act raises
:class:`core.permissions.NotAllowed` (403). Services record who acted (``by``) in the
history and the timeline; ``by=None`` is the system (demo loads, imports): no role check,
an empty author.
"""

from .amounts import decide_lines_bulk, set_amounts, set_amounts_bulk
from .envelopes import find_envelope, save_envelope, set_envelope
from .errors import FundingError
from .lines import change_status, create_lines_from_budget, update_line
from .payments import record_legal_act, record_payment, record_recovery
from .rows import LINE_FIELDS, UNSET, refresh_envelope_totals
from .transitions import MANAGERS, STATUS_CHANGES, TRANSITIONS, Rule, allowed_transitions, rule_for

__all__ = [
    "LINE_FIELDS",
    "MANAGERS",
    "STATUS_CHANGES",
    "TRANSITIONS",
    "UNSET",
    "FundingError",
    "Rule",
    "allowed_transitions",
    "change_status",
    "create_lines_from_budget",
    "decide_lines_bulk",
    "find_envelope",
    "record_legal_act",
    "record_payment",
    "record_recovery",
    "refresh_envelope_totals",
    "rule_for",
    "save_envelope",
    "set_amounts",
    "set_amounts_bulk",
    "set_envelope",
    "update_line",
]
