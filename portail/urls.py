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
    path("cites/", include("cites.urls")),
    path("actions/", include("actions.urls")),
    path("appels-a-projets/", include("actions.public_urls")),
    path("financements/", include("financements.urls")),
    path("pilotage/", include("pilotage.urls")),
    path("tableaux-de-bord/", include("pilotage.dashboard_urls")),
    path("admin/", admin.site.urls),
    path("sante/", healthcheck, name="healthcheck"),
]
