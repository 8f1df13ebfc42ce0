from django.urls import path

from . import views

app_name = "pilotage"

urlpatterns = [
    path("", views.index, name="index"),
    path("cites/<int:cite_pk>/", views.cite_overview, name="cite"),
    path("cites/<int:cite_pk>/rapports/", views.report_list, name="report_list"),
    path("cites/<int:cite_pk>/rapports/generer/", views.report_generate, name="report_generate"),
    path("cites/<int:cite_pk>/reunions/", views.meeting_list, name="meeting_list"),
    path("cites/<int:cite_pk>/reunions/nouvelle/", views.meeting_create, name="meeting_create"),
    path("reunions/<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("reunions/<int:pk>/modifier/", views.meeting_update, name="meeting_update"),
    path("reunions/<int:pk>/participants/", views.meeting_attendees, name="meeting_attendees"),
    path("reunions/<int:pk>/ordre-du-jour/", views.meeting_agenda, name="meeting_agenda"),
    path("reunions/<int:pk>/decisions/", views.meeting_decisions, name="meeting_decisions"),
    path("reunions/<int:pk>/decisions/valider/", views.meeting_validate, name="meeting_validate"),
    path("reunions/<int:pk>/documents/", views.meeting_document_upload, name="meeting_document_upload"),
    path(
        "reunions/<int:pk>/documents/<int:document_pk>/",
        views.meeting_document_download,
        name="meeting_document_download",
    ),
    path(
        "reunions/<int:pk>/documents/<int:document_pk>/supprimer/",
        views.meeting_document_delete,
        name="meeting_document_delete",
    ),
    path("reunions/<int:pk>/rapports/<slug:kind>/", views.meeting_report, name="meeting_report"),
    path("actions/<int:action_pk>/fiche/", views.action_sheets, name="action_sheets"),
    path("actions/<int:action_pk>/programmer/", views.action_programme, name="action_programme"),
    path("rapports/<int:pk>/etat/", views.report_status, name="report_status"),
    path("rapports/<int:pk>/telecharger/", views.report_download, name="report_download"),
]
