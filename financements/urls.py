from django.urls import path

from . import views

app_name = "financements"

urlpatterns = [
    path("", views.index, name="index"),
    path("mes-financements/", views.my_funding, name="my_funding"),
    path("cites/<int:pk>/<int:year>/", views.overview, name="overview"),
    path("cites/<int:pk>/<int:year>/programmation/", views.programming, name="programming"),
    path("cites/<int:pk>/<int:year>/enveloppes/nouvelle/", views.envelope_create, name="envelope_create"),
    path("cites/<int:pk>/<int:year>/export.xlsx", views.export_xlsx, name="export_xlsx"),
    path("cites/<int:pk>/<int:year>/export-<slug:table>.csv", views.export_csv, name="export_csv"),
    path("enveloppes/<int:pk>/", views.envelope_detail, name="envelope_detail"),
    path("enveloppes/<int:pk>/modifier/", views.envelope_update, name="envelope_update"),
    path("actions/<int:pk>/", views.action_funding, name="action_funding"),
    path("actions/<int:pk>/lignes-depuis-le-budget/", views.lines_from_budget, name="lines_from_budget"),
    path("lignes/<int:pk>/", views.line_detail, name="line_detail"),
    path("lignes/<int:pk>/montants/", views.line_amounts, name="line_amounts"),
    path("lignes/<int:pk>/acte-juridique/", views.line_legal_act, name="line_legal_act"),
    path("lignes/<int:pk>/versement/", views.line_payment, name="line_payment"),
    path("lignes/<int:pk>/statut/", views.line_status, name="line_status"),
    path("lignes/<int:pk>/reversement/", views.line_recovery, name="line_recovery"),
]
