"""Commitment, payment and recovery of a funding line: the legal act, the payments, the
titre de recette. Each changes what the line's envelope has paid or decided."""

from django.db import transaction
from django.utils import timezone

from core.db import serialised
from core.formatting import format_date_fr, format_euros
from financements.models import DECIDED_STATUSES, ZERO, FundingLine, Payment

from .errors import FundingError, check_amount
from .rows import copy_fields, lock_line_and_envelope, paid_on, refresh_envelope_totals, save_line, with_author
from .transitions import MANAGERS, TRANSITIONS, S, check_role, move


@serialised
def record_legal_act(line, *, act_type, reference, date, by):
    """Record the legal act (arrêté, convention, délibération, CA vote) of a decided line:
    the money is then committed (engagement juridique, transition ``commit``). On a line
    already committed, corrects the act."""
    if act_type not in FundingLine.LegalActType.values:
        raise FundingError("Choisissez le type d'acte juridique.")
    with transaction.atomic():
        locked = lock_line_and_envelope(line)
        check_role(by, locked.action.cite, MANAGERS, TRANSITIONS["commit"].label)
        if locked.status not in DECIDED_STATUSES:
            raise FundingError(
                "Un acte juridique s'enregistre sur une ligne décidée "
                f"(statut actuel : « {locked.get_status_display()} »)."
            )
        locked.legal_act_type = act_type
        locked.legal_act_reference = reference or ""
        locked.legal_act_date = date
        transition = None
        if locked.status == S.DECIDED:
            act = FundingLine.LegalActType(act_type).label
            transition = move(
                locked,
                S.COMMITTED,
                by=by,
                comment=" ".join(filter(None, [act, reference, f"du {format_date_fr(date)}" if date else ""])) + ".",
            )
        save_line(locked, by, transition)
        refresh_envelope_totals([locked.envelope_id])
    copy_fields(line, locked)
    return line


@serialised
def record_payment(line, *, kind, amount, date, reference="", by):
    """Record a payment on a committed line (or a justified one: the balance often
    follows the bilan). Payments never exceed the decided amount; when they reach it, a
    committed line becomes « versé » (transition ``pay``)."""
    amount = check_amount(amount, "montant du versement")
    if amount is None or amount <= 0:
        raise FundingError("Le montant d'un versement doit être positif.")
    if kind not in Payment.Kind.values:
        raise FundingError("Choisissez la nature du versement.")
    with transaction.atomic():
        locked = lock_line_and_envelope(line)
        check_role(by, locked.action.cite, MANAGERS, TRANSITIONS["pay"].label)
        if locked.status not in (S.COMMITTED, S.PAID, S.JUSTIFIED):
            raise FundingError(
                "Un versement s'enregistre sur une ligne engagée (acte juridique enregistré) ; "
                f"statut actuel : « {locked.get_status_display()} »."
            )
        already = paid_on([locked.pk]).get(locked.pk, ZERO)
        if already + amount > locked.decided_amount:
            raise FundingError(
                f"Versement refusé : {format_euros(already)} déjà versés sur {format_euros(locked.decided_amount)} "
                f"décidés ; il reste {format_euros(locked.decided_amount - already)} à verser, "
                f"{format_euros(amount)} demandés."
            )
        payment = Payment(line=locked, kind=kind, amount=amount, date=date, reference=reference or "")
        with_author(payment, by).save()
        if already + amount == locked.decided_amount and locked.status == S.COMMITTED:
            transition = move(
                locked,
                S.PAID,
                by=by,
                comment=f"{payment.get_kind_display()} de {format_euros(amount)} : "
                f"{format_euros(locked.decided_amount)} versés sur {format_euros(locked.decided_amount)} décidés.",
            )
            save_line(locked, by, transition)
        refresh_envelope_totals([locked.envelope_id])
    copy_fields(line, locked)
    return payment


@serialised
def record_recovery(line, *, amount=None, date, reference, by, comment=""):
    """The porteur gave back the amount to recover (the titre de recette is paid): a line
    « à reverser » becomes « reversé » (transition ``recover``). ``amount``, when given,
    must be the amount to recover (no partial recovery). The line keeps drawing on its
    envelope: the recovered amount is a figure of its own, not a negative payment."""
    amount = check_amount(amount, "montant reversé")
    reference = (reference or "").strip()
    if not reference:
        raise FundingError("Indiquez la référence du titre de recette.")
    if date is None:
        raise FundingError("Indiquez la date du reversement.")
    if date > timezone.localdate():
        raise FundingError("La date du reversement ne peut pas être dans le futur.")
    with transaction.atomic():
        locked = lock_line_and_envelope(line)
        rule = TRANSITIONS["recover"]
        check_role(by, locked.action.cite, rule.roles, rule.label)
        if locked.status != S.TO_RECOVER:
            raise FundingError(
                "Un reversement s'enregistre sur une ligne « À reverser » "
                f"(statut actuel : « {locked.get_status_display()} »)."
            )
        due = locked.amount_to_recover
        if amount is not None and amount != due:
            raise FundingError(
                f"Le montant reversé ({format_euros(amount)}) doit être le montant à reverser ({format_euros(due)}) : "
                "un reversement partiel ne clôt pas la ligne."
            )
        locked.recovery_date = date
        locked.recovery_reference = reference
        why = f"Titre de recette {reference} : {format_euros(due)} reversés le {format_date_fr(date)}."
        transition = move(locked, S.RECOVERED, by=by, comment=" ".join(filter(None, [why, (comment or "").strip()])))
        save_line(locked, by, transition)
        refresh_envelope_totals([locked.envelope_id])
    copy_fields(line, locked)
    return line
