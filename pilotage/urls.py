"""URLs of the steering app, one namespace: meetings, decisions and PDF reports under
/pilotage/, the dashboards under /tableaux-de-bord/."""

from django.urls import include, path

from . import dashboards, views

app_name = "pilotage"

dashboard_patterns = [
    path("cite/", dashboards.cite_dashboard, name="dashboard_cite"),
    path("prefecture/", dashboards.prefecture_dashboard, name="dashboard_prefecture"),
    path("prefecture/export.csv", dashboards.prefecture_export, {"fmt": "csv"}, name="dashboard_prefecture_csv"),
    path("prefecture/export.xlsx", dashboards.prefecture_export, {"fmt": "xlsx"}, name="dashboard_prefecture_xlsx"),
    path("national/", dashboards.national_dashboard, name="dashboard_national"),
    path("national/export.csv", dashboards.national_export, {"fmt": "csv"}, name="dashboard_national_csv"),
    path("national/export.xlsx", dashboards.national_export, {"fmt": "xlsx"}, name="dashboard_national_xlsx"),
    path("partenaire/", dashboards.partner_home, name="dashboard_partner"),
]

pilotage_patterns = [
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
    path("rapports/<int:pk>/annuler/", views.report_cancel, name="report_cancel"),
    path("rapports/<int:pk>/telecharger/", views.report_download, name="report_download"),
]

urlpatterns = [
    path("pilotage/", include(pilotage_patterns)),
    path("tableaux-de-bord/", include(dashboard_patterns)),
]
