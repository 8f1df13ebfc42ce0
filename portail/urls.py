from django.contrib import admin
from django.urls import include, path

from core import health
from pilotage.dashboards import home

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
    path("sante/", health.live, name="healthcheck"),
    path("sante/complet/", health.full, name="healthcheck_full"),
]
