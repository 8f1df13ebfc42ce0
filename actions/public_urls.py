"""Public pages (no login): the open calls for projects of every cité."""

from django.urls import path

from .views import calls, signup

app_name = "calls"

urlpatterns = [
    path("", calls.public_call_list, name="list"),
    path("<int:pk>/", calls.public_call_detail, name="detail"),
    path("<int:pk>/inscription/", signup.signup_start, name="signup"),
    path("inscription/<str:token>/", signup.signup_confirm, name="signup_confirm"),
]
