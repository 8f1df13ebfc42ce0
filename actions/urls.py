"""URLs of the actions app, one namespace: the signed-in pages under /actions/, the public
pages (no login: the open calls for projects of every cité, sign-up) under /appels-a-projets/."""

from django.urls import include, path

from .views import calls, exports, instruction, proposals, signup

app_name = "actions"

public_patterns = [
    path("", calls.public_call_list, name="public_call_list"),
    path("<int:pk>/", calls.public_call_detail, name="public_call_detail"),
    path("<int:pk>/inscription/", signup.signup_start, name="signup"),
    path("inscription/<str:token>/", signup.signup_confirm, name="signup_confirm"),
]

action_patterns = [
    path("", instruction.action_list, name="list"),
    path("exporter/<slug:fmt>/", exports.action_export, name="export"),
    path("appels/", calls.call_list, name="call_list"),
    path("appels/nouveau/", calls.call_create, name="call_create"),
    path("appels/<int:pk>/modifier/", calls.call_update, name="call_update"),
    path("appels/<int:call_pk>/proposer/", calls.proposal_create, name="proposal_create"),
    path("demandes/", signup.join_request_list, name="join_requests"),
    path("demandes/<int:pk>/<slug:decision>/", signup.join_request_decide, name="join_request_decide"),
    path("<int:pk>/", instruction.action_detail, name="detail"),
    path("<int:pk>/modifier/", proposals.action_update, name="update"),
    path("<int:pk>/budget/", proposals.action_budget, name="budget"),
    path("<int:pk>/budget/ligne/<slug:prefix>/", proposals.action_budget_row, name="budget_row"),
    path("<int:pk>/indicateurs/", proposals.action_indicators, name="indicators"),
    path("<int:pk>/bilan/", proposals.action_bilan, name="bilan"),
    path("<int:pk>/bilan/autoriser-avant-la-fin/", instruction.allow_early_bilan, name="allow_early_bilan"),
    path("<int:pk>/pieces/", proposals.action_attachments, name="attachments"),
    path("<int:pk>/pieces/<int:attachment_pk>/", proposals.attachment_download, name="attachment_download"),
    path("<int:pk>/pieces/<int:attachment_pk>/supprimer/", proposals.attachment_delete, name="attachment_delete"),
    path("<int:pk>/statut/<slug:name>/", instruction.action_transition, name="transition"),
    path("<int:pk>/avis/", instruction.opinion_give, name="opinion"),
    path("<int:pk>/rapporteurs/", instruction.action_reviewers, name="reviewers"),
    path("<int:pk>/notes/", instruction.note_create, name="note_create"),
    path("<int:pk>/messages/", instruction.message_create, name="message_create"),
]

urlpatterns = [
    path("actions/", include(action_patterns)),
    path("appels-a-projets/", include(public_patterns)),
]
