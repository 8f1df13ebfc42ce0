from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.urls import include, path

from pilotage.dashboards import home


@login_not_required
def healthcheck(request):
    return HttpResponse("ok", content_type="text/plain")


admin.site.site_header = "Portail Cité éducative – administration"
admin.site.site_title = "Portail Cité éducative"

urlpatterns = [
    path("", home, name="home"),
    path("compte/", include("accounts.urls")),
    path("oidc/", include("accounts.proconnect_urls")),  # ProConnect (404 unless configured)
    path("cites/", include("cites.urls")),
    path("", include("actions.urls")),  # /actions/ and /appels-a-projets/
    path("financements/", include("financements.urls")),
    path("", include("pilotage.urls")),  # /pilotage/ and /tableaux-de-bord/
    path("admin/", admin.site.urls),
    path("sante/", healthcheck, name="healthcheck"),
]
