"""The partner's « Mes financements »: what each funder decided, committed and paid for
the actions of the user's organisations."""

from django.db.models import Q
from django.shortcuts import render
from django.views.decorators.http import require_safe

from actions.models import Action
from core.permissions import ensure_allowed
from financements.models import FundingLine


@require_safe
def my_funding(request):
    """For each action of the user's organisations: what each funder decided, committed
    and paid."""
    organisations = request.scope.organisations
    ensure_allowed(organisations, "Cette page est celle des porteurs de projet.")
    lines = list(
        FundingLine.objects.visible_to(request.user)
        .filter(action__porteur_id__in=organisations)
        .select_related("action__cite", "action__porteur", "funder", "envelope")
        .with_paid()
        .order_by("-action__year", "action__reference", "action__pk", "funder__name", "pk")
    )
    actions_without_lines = list(
        Action.objects.visible_to(request.user)
        .filter(porteur_id__in=organisations, funding_lines__isnull=True)
        .exclude(Q(status=Action.Status.DRAFT) | Q(status=Action.Status.WITHDRAWN))
        .select_related("cite")
        .order_by("-year", "reference", "pk")
    )
    return render(
        request,
        "financements/my_funding.html",
        {
            "lines": lines,
            "actions_without_lines": actions_without_lines,
            "page_title": "Mes financements",
            "breadcrumbs": [],
        },
    )
