from django.urls import path

from . import views
from .views import members as member_views

app_name = "cites"

urlpatterns = [
    path("", views.cite_list, name="cite_list"),
    path("nouvelle/", views.cite_create, name="cite_create"),
    path("<int:pk>/", views.cite_detail, name="cite_detail"),
    path("<int:pk>/modifier/", views.cite_update, name="cite_update"),
    path("<int:pk>/perimetre/", views.perimeter_update, name="perimeter_update"),
    path("<int:pk>/communes/ajouter/", views.commune_create, name="commune_create"),
    path("<int:pk>/qpv/ajouter/", views.priority_area_create, name="priority_area_create"),
    path("<int:pk>/etablissements/ajouter/", views.school_create, name="school_create"),
    path("<int:pk>/etablissements/<int:school_pk>/modifier/", views.school_update, name="school_update"),
    path("<int:pk>/axes/ajouter/", views.axis_edit, name="axis_create"),
    path("<int:pk>/axes/<int:axis_pk>/modifier/", views.axis_edit, name="axis_update"),
    path("<int:pk>/membres/", member_views.members, name="members"),
    path("<int:pk>/conventions/nouvelle/", views.convention_create, name="convention_create"),
    path("organisations/", views.organisation_list, name="organisation_list"),
    path("organisations/nouvelle/", views.organisation_create, name="organisation_create"),
    path("organisations/<int:pk>/", views.organisation_detail, name="organisation_detail"),
    path("organisations/<int:pk>/modifier/", views.organisation_update, name="organisation_update"),
    path("organisations/<int:pk>/membres/", member_views.organisation_members, name="organisation_members"),
    path(
        "organisations/<int:pk>/membres/<int:membership_pk>/retirer/",
        member_views.member_remove,
        name="organisation_member_remove",
    ),
    path(
        "organisations/<int:pk>/membres/<int:membership_pk>/referent/<slug:choice>/",
        member_views.member_set_referent,
        name="organisation_member_referent",
    ),
    path("conventions/", views.convention_list, name="convention_list"),
    path("conventions/<int:pk>/", views.convention_detail, name="convention_detail"),
    path("conventions/<int:pk>/modifier/", views.convention_update, name="convention_update"),
    path("conventions/<int:pk>/document/", views.convention_document, name="convention_document"),
    path("conventions/<int:pk>/engagements/ajouter/", views.commitment_edit, name="commitment_create"),
    path(
        "conventions/<int:pk>/engagements/<int:commitment_pk>/modifier/",
        views.commitment_edit,
        name="commitment_update",
    ),
    path("conventions/<int:pk>/signataires/ajouter/", views.signatory_create, name="signatory_create"),
    path("conventions/<int:pk>/avenants/ajouter/", views.amendment_create, name="amendment_create"),
    path(
        "conventions/<int:pk>/avenants/<int:amendment_pk>/document/",
        views.amendment_document,
        name="amendment_document",
    ),
]
