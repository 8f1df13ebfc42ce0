"""Per cité and year: a comité technique, a spring COPIL that programmes or rejects the
proposals (some deferred to the autumn COPIL in past years), and an autumn COPIL — ahead
of us in the current year, with the proposals under instruction on its agenda, undecided."""

import datetime

from django.utils import timezone

from core.formatting import format_euros
from pilotage.models import AgendaItem, Meeting, ProgrammingDecision

from .base import BATCH, DECIDED_BY_COPIL, DEFERRAL_REASONS, DEFERRED_SHARE, REJECTION_REASONS, Decided, S, aware

D = AgendaItem.Decision
LABELS = {D.PROGRAMMED: "programmée(s)", D.REJECTED: "non retenue(s)", D.DEFERRED: "ajournée(s)"}


def _copil(cite, title, starts_at, **fields):
    return Meeting(cite=cite, kind=Meeting.Kind.COPIL, title=title, starts_at=starts_at, **fields)


def _meetings(c):
    """Writes the meetings; returns ``{(cité id, year): (spring COPIL, autumn COPIL)}``."""
    meetings, slots = [], {}
    for cite in c.cites:
        for year in c.years:
            spring = aware(datetime.date(year, 4, 10), 14)
            autumn = aware(datetime.date(year, 11, 20), 14)
            if year == c.last:  # decisions of the current year are in the past, the next COPIL ahead
                spring = max(min(spring, c.now - datetime.timedelta(days=5)), aware(datetime.date(year, 1, 2), 14))
                autumn = c.now + datetime.timedelta(days=15)
            slots[(cite.pk, year)] = (
                _copil(cite, f"COPIL de programmation {year}", spring, place="Mairie", chair="Préfet délégué et maire"),
                _copil(cite, f"COPIL bilan {year}", autumn, place="Préfecture"),
            )
            technical = Meeting(
                cite=cite,
                kind=Meeting.Kind.TECHNICAL,
                title=f"Comité technique {year}",
                starts_at=aware(datetime.date(year, 3, 20), 10),
            )
            meetings += [*slots[(cite.pk, year)], technical]
    c.add(Meeting, meetings)
    return slots


class Agenda:
    """The agenda items being written, numbered per meeting, with the decisions counted."""

    def __init__(self):
        self.items, self.tally = [], {}

    def put(self, meeting, action, decision, comment=""):
        counts = self.tally.setdefault(meeting, {})
        counts[decision] = counts.get(decision, 0) + 1
        self.items.append(
            AgendaItem(
                meeting=meeting,
                action=action,
                title=str(action)[:250],
                order=sum(counts.values()),
                decision=decision,
                decision_comment=comment,
            )
        )


def _decide(c, agenda, spring, autumn, action, anct, agglo):
    """The COPIL that decided ``action``: its agenda items; returns :class:`Decided`."""
    rng = c.rng
    meeting = spring
    if action.year != c.last and rng.random() < DEFERRED_SHARE:
        agenda.put(spring, action, D.DEFERRED, rng.choice(DEFERRAL_REASONS))
        meeting = autumn
    if action.status == S.REJECTED:
        decision, comment = D.REJECTED, f"Non retenue : {rng.choice(REJECTION_REASONS)}"
    else:
        decision = D.PROGRAMMED
        comment = (
            f"Programmée : {format_euros(anct + agglo)} décidés (ANCT {format_euros(anct)}, "
            f"{c.agglo_of[action.cite_id].name} {format_euros(agglo)})."
        )
    agenda.put(meeting, action, decision, comment)
    return Decided(meeting, timezone.localtime(meeting.starts_at).date(), decision)


def _record_minutes(c, tally):
    """Minutes and who entered and validated the decisions, on the meetings held."""
    held = []
    for meeting, counts in tally.items():
        if meeting.starts_at > c.now:
            continue
        meeting.minutes = "Décisions : " + ", ".join(
            f"{counts[key]} {label}" for key, label in LABELS.items() if counts.get(key)
        )
        meeting.decisions_recorded_at = min(meeting.starts_at + datetime.timedelta(hours=3), c.now)
        meeting.decisions_recorded_by = c.coordinator_of[meeting.cite_id]
        # Validated (and the porteurs notified) the next morning, once the meeting was held.
        meeting.decisions_validated_at = min(meeting.starts_at + datetime.timedelta(hours=19), c.now)
        meeting.decisions_validated_by = meeting.decisions_recorded_by
        held.append(meeting)
    fields = ["minutes", "decisions_recorded_at", "decisions_recorded_by", "decisions_validated_at"]
    Meeting.objects.bulk_update(held, [*fields, "decisions_validated_by"], batch_size=BATCH)


def build_meetings(c):
    """Meetings, agendas, decisions; sets ``c.decisions`` (``{action id: Decided}``), which
    the funding lines and payments follow."""
    slots = _meetings(c)
    agenda, c.decisions, programming = Agenda(), {}, []
    for action, _charges, anct, agglo, _own in c.plan:
        spring, autumn = slots[(action.cite_id, action.year)]
        if action.status in DECIDED_BY_COPIL:
            decided = c.decisions[action.pk] = _decide(c, agenda, spring, autumn, action, anct, agglo)
            if decided.decision == D.PROGRAMMED:
                programming.append(
                    ProgrammingDecision(
                        action=action,
                        meeting=decided.meeting,
                        decided_on=decided.on,
                        recorded_by=c.coordinator_of[action.cite_id],
                    )
                )
        elif action.status == S.CHANGES_REQUESTED:
            agenda.put(spring, action, D.DEFERRED, DEFERRAL_REASONS[-1])
        elif action.status == S.IN_REVIEW:
            if c.rng.random() < 0.3:
                agenda.put(spring, action, D.DEFERRED, c.rng.choice(DEFERRAL_REASONS[:2]))
            if autumn.starts_at > c.now:
                agenda.put(autumn, action, D.PENDING)
    c.add(AgendaItem, agenda.items)
    c.add(ProgrammingDecision, programming)
    _record_minutes(c, agenda.tally)
