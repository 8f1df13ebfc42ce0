"""The coordinator's (or a pilot's) dashboard: one cité, one year."""

from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.scope import get_visible_or_404
from actions.models import Action, Call, Opinion
from cites.models import Cite
from core.params import int_param
from financements.models import FundingLine
from pilotage import stats
from pilotage.forms import YearSwitcherForm
from pilotage.models import Meeting

from .common import CLOSING_SOON, S, _chart, _year, _years_around

ACTION_ITEMS_LIMIT = 5


def _default_cite(request, cites):
    scope = request.scope
    for ids in (scope.coordinator_cites, scope.pilot_cites):
        for cite in cites:
            if cite["pk"] in ids:
                return cite["pk"]
    return cites[0]["pk"] if cites else None


def _todo(request, cite):
    """What needs action now in the cité (every year): lists of at most five actions and
    the full counts — a fixed number of queries."""
    user = request.user
    today = timezone.localdate()
    mine = Opinion.objects.filter(action=OuterRef("pk"), author=user)
    any_opinion = Opinion.objects.filter(action=OuterRef("pk"))
    resubmitted = Q(transitions__from_status=S.CHANGES_REQUESTED, transitions__to_status=S.IN_REVIEW)
    actions = (
        Action.objects.visible_to(user)
        .filter(cite=cite)
        .annotate(has_my_opinion=Exists(mine), has_opinion=Exists(any_opinion))
    )
    manages = request.scope.can_manage_cite(cite)
    # A coordinator waits for anyone's avis; a troïka member or the préfecture for their own.
    awaiting = Q(status=S.IN_REVIEW, has_opinion=False) if manages else Q(status=S.IN_REVIEW, has_my_opinion=False)
    bilan_due = Q(status__in=(S.PROGRAMMED, S.IN_PROGRESS), end_date__lt=today) & (
        Q(bilan__isnull=True) | Q(bilan__submitted_at__isnull=True)
    )
    answered = Q(status=S.IN_REVIEW, pk__in=Action.objects.filter(resubmitted, cite=cite).values("pk"))
    definitions = [
        ("instruct", "Propositions à instruire", Q(status__in=(S.SUBMITTED, S.IN_REVIEW)), "submitted"),
        ("opinions", "Avis attendus" if manages else "Avis attendus de vous", awaiting, "in_review"),
        ("answered", "Compléments reçus à examiner", answered, "in_review"),
        ("bilans", "Bilans attendus (action terminée)", bilan_due, "in_progress"),
    ]
    counts = actions.aggregate(**{key: Count("pk", filter=condition) for key, _, condition, _ in definitions})
    todo = []
    for key, title, condition, status in definitions:
        items = actions.filter(condition).select_related("porteur").order_by("end_date", "reference", "pk")
        todo.append(
            {
                "key": key,
                "title": title,
                "count": counts[key],
                "items": list(items[:ACTION_ITEMS_LIMIT]),
                "url": f"{reverse('actions:list')}?statut={status}",
            }
        )
    return todo


def cite_figures(actions, cite, year, lines):
    """The key figures and the charts of one cité and year (``actions`` and ``lines``:
    the user's scoped querysets)."""
    by_status = stats.actions_by_status(actions)
    by_status["rows"] = [row for row in by_status["rows"] if row["status"] != S.DRAFT]
    by_objective = stats.actions_by_objective(actions)
    money = stats.money_by_funder(cite, year, lines)
    people = stats.beneficiaries(actions)
    reached = stats.reach(actions)
    charts = {
        "status": _chart(
            "chart-status",
            "bar",
            [row["label"] for row in by_status["rows"]],
            [("Actions", [row["count"] for row in by_status["rows"]])],
        ),
        "objective": _chart(
            "chart-objective",
            "bar",
            [row["label"] for row in by_objective["rows"]],
            [("Actions", [row["count"] for row in by_objective["rows"]])],
        ),
        "money": _chart(
            "chart-money",
            "bar",
            [row["label"] for row in money["rows"]],
            [
                ("Enveloppe", [row["envelope"] or 0 for row in money["rows"]]),
                ("Décidé", [row["decided"] for row in money["rows"]]),
                ("Versé", [row["paid"] for row in money["rows"]]),
            ],
            unit="euros",
        ),
        "beneficiaries": _chart(
            "chart-beneficiaries",
            "bar",
            [row["label"] for row in people["rows"]],
            [
                ("Filles prévues", [row["planned_girls"] for row in people["rows"]]),
                ("Garçons prévus", [row["planned_boys"] for row in people["rows"]]),
                ("Filles (bilans)", [row["reported_girls"] for row in people["rows"]]),
                ("Garçons (bilans)", [row["reported_boys"] for row in people["rows"]]),
            ],
        ),
    }
    return {
        "by_status": by_status,
        "by_objective": by_objective,
        "money": money,
        "beneficiaries": people,
        "reach": reached,
        "charts": charts,
    }


@require_GET
def cite_dashboard(request):
    user = request.user
    cites = list(Cite.objects.visible_to(user).order_by("name", "pk").values("pk", "name"))
    cite_pk = int_param(request.GET, "cite")
    if request.GET.get("cite") and cite_pk is None:
        raise Http404("Cité introuvable.")
    if cite_pk is None:
        cite_pk = _default_cite(request, cites)
        if cite_pk is None:
            raise Http404("Aucune cité éducative dans votre périmètre.")
    cite = get_visible_or_404(request, Cite, pk=cite_pk)
    year = _year(request)
    now = timezone.now()

    # Proposals only: a draft belongs to its porteur (the admin, who reads drafts, sees
    # the same figures as the coordination).
    actions = Action.objects.visible_to(user).proposals().filter(cite=cite, year=year)
    figures = cite_figures(actions, cite, year, FundingLine.objects.visible_to(user))
    meetings = list(
        Meeting.objects.visible_to(user).filter(cite=cite, starts_at__gte=now).order_by("starts_at", "pk")[:3]
    )
    calls = [
        {"call": call, "is_open": call.opens_at <= now, "closing_soon": call.closes_at - now <= CLOSING_SOON}
        for call in Call.objects.visible_to(user).filter(cite=cite, closes_at__gt=now).order_by("closes_at", "pk")[:5]
    ]
    return render(
        request,
        "dashboards/cite.html",
        {
            "cite": cite,
            "year": year,
            "switcher": YearSwitcherForm(
                path=request.path, years=_years_around(year, cite.label_start.year), year=year, cites=cites, cite=cite
            ),
            "todo": _todo(request, cite),
            "meetings": meetings,
            "calls": calls,
            "can_manage": request.scope.can_manage_cite(cite),
            "page_title": f"Tableau de bord – {cite.name} – {year}",
            **figures,
        },
    )
