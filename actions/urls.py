from django.urls import path

from . import export_views, signup_views, views

app_name = "actions"

urlpatterns = [
    path("", views.action_list, name="list"),
    path("exporter/<slug:fmt>/", export_views.action_export, name="export"),
    path("appels/", views.call_list, name="call_list"),
    path("appels/nouveau/", views.call_create, name="call_create"),
    path("appels/<int:pk>/modifier/", views.call_update, name="call_update"),
    path("appels/<int:call_pk>/proposer/", views.proposal_create, name="proposal_create"),
    path("demandes/", signup_views.join_request_list, name="join_requests"),
    path("demandes/<int:pk>/<slug:decision>/", signup_views.join_request_decide, name="join_request_decide"),
    path("<int:pk>/", views.action_detail, name="detail"),
    path("<int:pk>/modifier/", views.action_update, name="update"),
    path("<int:pk>/budget/", views.action_budget, name="budget"),
    path("<int:pk>/budget/ligne/<slug:prefix>/", views.action_budget_row, name="budget_row"),
    path("<int:pk>/indicateurs/", views.action_indicators, name="indicators"),
    path("<int:pk>/bilan/", views.action_report, name="report"),
    path("<int:pk>/pieces/", views.action_attachments, name="attachments"),
    path("<int:pk>/pieces/<int:attachment_pk>/", views.attachment_download, name="attachment_download"),
    path("<int:pk>/pieces/<int:attachment_pk>/supprimer/", views.attachment_delete, name="attachment_delete"),
    path("<int:pk>/statut/<slug:name>/", views.action_transition, name="transition"),
    path("<int:pk>/avis/", views.opinion_give, name="opinion"),
    path("<int:pk>/rapporteurs/", views.action_reviewers, name="reviewers"),
    path("<int:pk>/notes/", views.note_create, name="note_create"),
    path("<int:pk>/messages/", views.message_create, name="message_create"),
]
