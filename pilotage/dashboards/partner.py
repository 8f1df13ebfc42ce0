"""The partner's home: their organisations' actions with the money decided and paid,
and the open calls of their cités."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from actions.models import Action, Call
from core.permissions import ensure_allowed
from financements.models import FundingLine
from pilotage import stats

from .common import S

PARTNER_PAGE_SIZE = 25


NEXT_STEPS = {
    S.DRAFT: "Compléter et déposer la proposition",
    S.SUBMITTED: "En attente de l'instruction par la coordination",
    S.IN_REVIEW: "En cours d'instruction",
    S.CHANGES_REQUESTED: "Répondre aux demandes de compléments",
    S.PROGRAMMED: "Démarrer l'action",
    S.REJECTED: "Aucune (proposition non retenue)",
    S.WITHDRAWN: "Aucune (proposition retirée)",
    S.IN_PROGRESS: "Transmettre le bilan à la fin de l'action",
    S.REPORTED: "Bilan transmis : clôture par la coordination",
    S.CLOSED: "Aucune (action clôturée)",
}
PARTNER_NEXT_STEP_STATUSES = (S.DRAFT, S.CHANGES_REQUESTED, S.PROGRAMMED, S.IN_PROGRESS)


@require_GET
def partner_home(request):
    scope = request.scope
    ensure_allowed(scope.organisations, "Cette page est réservée aux porteurs de projet.")
    user = request.user
    actions = (
        Action.objects.visible_to(user)
        .filter(porteur_id__in=scope.organisations)
        .select_related("cite", "porteur")
        .order_by("-year", "reference", "pk")
    )
    page = Paginator(actions, PARTNER_PAGE_SIZE).get_page(request.GET.get("page"))
    ids = [action.pk for action in page.object_list]
    money = stats.money_per_action(ids, FundingLine.objects.visible_to(user))
    rows = [
        {
            "action": action,
            "next_step": NEXT_STEPS.get(action.status, ""),
            "to_do": action.status in PARTNER_NEXT_STEP_STATUSES,
            "decided": money[action.pk].decided,
            "paid": money[action.pk].paid,
            "to_recover": money[action.pk].to_recover,
        }
        for action in page.object_list
    ]
    calls = list(
        Call.objects.open_now()
        .filter(cite__organisations__in=scope.organisations)
        .distinct()
        .select_related("cite")
        .order_by("closes_at", "pk")[:10]
    )
    return render(
        request,
        "dashboards/partner.html",
        {
            "rows": rows,
            "page_obj": page,
            "calls": calls,
            "page_title": "Mes actions et appels à projets",
        },
    )
