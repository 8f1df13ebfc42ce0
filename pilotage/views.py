from django.shortcuts import render

from cites.models import Cite


def home(request):
    """The landing page after login: the user's roles and the cités they can reach."""
    cites = Cite.objects.visible_to(request.user).order_by("name")
    memberships = request.user.memberships.select_related("cite", "organisation").filter(is_active=True)
    return render(request, "home.html", {"cites": cites, "memberships": memberships})
