"""Public pages (no login): the open calls for projects of every cité."""

from django.urls import path

from . import signup_views, views

app_name = "calls"

urlpatterns = [
    path("", views.public_call_list, name="list"),
    path("<int:pk>/", views.public_call_detail, name="detail"),
    path("<int:pk>/inscription/", signup_views.signup_start, name="signup"),
    path("inscription/<str:token>/", signup_views.signup_confirm, name="signup_confirm"),
]
