"""The site menu: the header's entries for the user's roles.

It names the URLs of every app, so it lives in the wiring (``portail``), not on a floor
that would have to know the floors above it.
"""


def navigation(request):
    """Role-aware navigation entries for the header."""
    scope = getattr(request, "scope", None)
    if scope is None or not request.user.is_authenticated:
        return {"nav_items": [], "scope": scope}
    items = [("home", "Tableau de bord")]
    if scope.is_staff_of_some_cite:
        items += [
            ("actions:list", "Propositions"),
            ("actions:call_list", "Appels à projets"),
            ("cites:cite_list", "Cités éducatives"),
            ("cites:organisation_list", "Organisations"),
            ("cites:convention_list", "Conventions"),
            ("financements:index", "Financements"),
        ]
    elif scope.organisations:
        items += [
            ("actions:list", "Mes actions"),
            ("actions:public_call_list", "Appels à projets"),
            ("cites:organisation_list", "Mon organisation"),
            ("financements:index", "Financements"),
        ]
    if scope.referent_organisations or scope.coordinator_cites or scope.is_admin:
        items.append(("actions:join_requests", "Demandes de rattachement"))
    if scope.departements or scope.is_admin:
        items.append(("pilotage:dashboard_prefecture", "Comparer les cités"))
    if scope.is_admin:
        items.append(("pilotage:dashboard_national", "Vue nationale"))
    items.append(("pilotage:index", "Pilotage"))
    return {"nav_items": items, "scope": scope}
