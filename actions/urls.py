from django.urls import path

from . import views

app_name = "actions"

urlpatterns = [
    path("", views.action_list, name="list"),
    path("appels/", views.call_list, name="call_list"),
    path("appels/nouveau/", views.call_create, name="call_create"),
    path("appels/<int:pk>/modifier/", views.call_update, name="call_update"),
    path("appels/<int:call_pk>/proposer/", views.proposal_create, name="proposal_create"),
    path("<int:pk>/", views.action_detail, name="detail"),
    path("<int:pk>/modifier/", views.action_update, name="update"),
    path("<int:pk>/budget/", views.action_budget, name="budget"),
    path("<int:pk>/indicateurs/", views.action_indicators, name="indicators"),
    path("<int:pk>/statut/<slug:name>/", views.action_transition, name="transition"),
    path("<int:pk>/avis/", views.opinion_give, name="opinion"),
    path("<int:pk>/notes/", views.note_create, name="note_create"),
    path("<int:pk>/messages/", views.message_create, name="message_create"),
]
