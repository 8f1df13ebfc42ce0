"""Public pages (no login): the open calls for projects of every cité."""

from django.urls import path

from . import views

app_name = "calls"

urlpatterns = [
    path("", views.public_call_list, name="list"),
    path("<int:pk>/", views.public_call_detail, name="detail"),
]
