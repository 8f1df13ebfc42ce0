from django.urls import path

from . import dashboards

app_name = "dashboards"

urlpatterns = [
    path("cite/", dashboards.cite_dashboard, name="cite"),
    path("prefecture/", dashboards.prefecture_dashboard, name="prefecture"),
    path("prefecture/export.csv", dashboards.prefecture_export, {"fmt": "csv"}, name="prefecture_csv"),
    path("prefecture/export.xlsx", dashboards.prefecture_export, {"fmt": "xlsx"}, name="prefecture_xlsx"),
    path("national/", dashboards.national_dashboard, name="national"),
    path("national/export.csv", dashboards.national_export, {"fmt": "csv"}, name="national_csv"),
    path("national/export.xlsx", dashboards.national_export, {"fmt": "xlsx"}, name="national_xlsx"),
    path("partenaire/", dashboards.partner_home, name="partner"),
]
