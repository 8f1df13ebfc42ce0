"""Funding lines: created from the action's budget, moved by the « Changer le statut »
form, edited by the line form."""

from django.db import transaction

from actions.models import SUBSIDY_ACCOUNT, Action, BudgetLine
from core.db import serialised
from core.formatting import format_euros
from financements.models import ZERO, FundingLine

from .amounts import set_amounts
from .envelopes import find_envelope, set_envelope
from .errors import FundingError, check_amount
from .rows import (
    UNSET,
    copy_fields,
    lock_line_and_envelope,
    lock_lines,
    paid_on,
    refresh_envelope_totals,
    save_line,
    with_author,
)
from .transitions import MANAGERS, TRANSITIONS, S, check_role, move, rule_for


@serialised
def create_lines_from_budget(action, *, by):
    """One funding line per account-74 line of the action's budget (subsidy requested
    from a funder), attached to the funder's envelope for the cité and year when there is
    one. Budget lines that already have a funding line are skipped: calling it twice
    creates nothing the second time. Returns the created lines.

    A requested line draws nothing on its envelope: the envelope totals do not change."""
    check_role(by, action.cite, MANAGERS, "Créer les lignes depuis le budget")
    created = []
    with transaction.atomic():
        # The action row lock serialises two clicks on the button; the one-to-one link to
        # the budget line backs it in the database.
        Action.objects.select_for_update().filter(pk=action.pk).first()
        budget_lines = BudgetLine.objects.filter(
            action=action, account=SUBSIDY_ACCOUNT, funding_line__isnull=True
        ).order_by("pk")
        for budget_line in budget_lines:
            line = FundingLine(
                action=action,
                funder_id=budget_line.funder_id,
                budget_line=budget_line,
                envelope=find_envelope(action.cite_id, action.year, budget_line.funder_id),
                requested_amount=budget_line.amount_planned,
            )
            with_author(line, by).save()
            created.append(line)
    return created


@serialised
def change_status(line, status, *, by, amount_to_recover=None, comment=""):
    """Move a line along a transition of the « Changer le statut » form: justified (the
    bilan is accepted), to recover (the bilan shows less spent than paid:
    ``amount_to_recover`` ≤ paid), waived recovery (back to justified, with a reason),
    cancelled (releases the envelope; impossible once money was paid), rejected, or back
    to requested. Decisions, legal acts, payments and recoveries have their own services."""
    with transaction.atomic():
        locked = lock_line_and_envelope(line)
        check_role(by, locked.action.cite, MANAGERS, "Changer le statut")
        name = rule_for(locked.status, status)
        if name is not None and not TRANSITIONS[name].on_status_form:
            raise FundingError(
                f"« {TRANSITIONS[name].label} » ne se fait pas par un simple changement de statut : "
                "utilisez l'écran prévu sur la page de la ligne."
            )
        paid = paid_on([locked.pk]).get(locked.pk, ZERO)
        if name is not None:
            if status == S.CANCELLED and paid:
                raise FundingError(
                    f"{format_euros(paid)} ont déjà été versés : la ligne ne peut pas être annulée ; "
                    "passez-la « à reverser »."
                )
            if status == S.TO_RECOVER:
                amount = check_amount(amount_to_recover, "montant à reverser")
                if not amount:
                    raise FundingError("Indiquez le montant à reverser.")
                if amount > paid:
                    raise FundingError(
                        f"Le montant à reverser ({format_euros(amount)}) ne peut pas dépasser les versements "
                        f"effectués ({format_euros(paid)})."
                    )
                locked.amount_to_recover = amount
                comment = comment or f"Montant à reverser : {format_euros(amount)}."
            if name == "waive":
                locked.amount_to_recover = ZERO  # nothing is owed any more
            if status in (S.REJECTED, S.REQUESTED):
                locked.decided_amount = None
        transition = move(locked, status, by=by, comment=comment)
        if comment:
            locked.comment = comment
        save_line(locked, by, transition)
        # Cancelled: the decided amount goes back to the envelope. Justified, to recover and
        # recovered keep drawing on it (the amount to recover is not a negative payment).
        refresh_envelope_totals([locked.envelope_id])
    copy_fields(line, locked)
    return line


@serialised
def update_line(line, *, by, proposed=UNSET, decided=UNSET, envelope=UNSET, external_reference=UNSET):
    """The line form: envelope, amounts and external reference in one transaction."""
    with transaction.atomic():
        if envelope is not UNSET and (envelope.pk if envelope else None) != line.envelope_id:
            set_envelope(line, envelope, by=by)
        if proposed is not UNSET or decided is not UNSET:
            set_amounts(line, proposed=proposed, decided=decided, by=by)
        if external_reference is not UNSET and external_reference != line.external_reference:
            locked = lock_lines([line.pk])[line.pk]
            check_role(by, locked.action.cite, MANAGERS, "Modifier la ligne")
            locked.external_reference = external_reference
            save_line(locked, by)
            copy_fields(line, locked)
    return line
