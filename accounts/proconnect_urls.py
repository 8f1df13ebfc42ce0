"""ProConnect's URLs, mounted at /oidc/ under mozilla-django-oidc's own names (its
settings reverse ``oidc_authentication_callback``). Always mounted; the views answer 404
while ProConnect is not configured. Logout goes through ``accounts:logout``."""

from django.urls import path

from . import proconnect

urlpatterns = [
    path("authenticate/", proconnect.AuthenticateView.as_view(), name="oidc_authentication_init"),
    path("callback/", proconnect.CallbackView.as_view(), name="oidc_authentication_callback"),
]
