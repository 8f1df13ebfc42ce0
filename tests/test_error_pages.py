"""Error pages are French, in the portal's layout, whatever the failure (400, 403 CSRF, 500)."""

import pytest
from django.contrib.auth.decorators import login_not_required
from django.test import Client
from django.urls import path, reverse

from portail.urls import urlpatterns as portal_urlpatterns


@login_not_required
def _fail(request):
    raise RuntimeError("panne simulée")


urlpatterns = [*portal_urlpatterns, path("panne/", _fail)]


@pytest.mark.django_db
def test_server_error_is_french(settings):
    settings.ROOT_URLCONF = __name__
    response = Client(raise_request_exception=False).get("/panne/")
    assert response.status_code == 500
    page = response.content.decode()
    assert '<html lang="fr"' in page
    assert "Erreur 500" in page and "Une erreur est survenue de notre côté" in page
    assert "Server Error" not in page


@pytest.mark.django_db
def test_csrf_failure_is_french_and_says_what_to_do():
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("accounts:login"), {"username": "a@example.fr", "password": "x"})
    assert response.status_code == 403
    page = response.content.decode()
    assert "Ce formulaire a expiré" in page and "rechargez-la" in page
    assert "CSRF verification failed" not in page


@pytest.mark.django_db
def test_bad_request_is_french():
    response = Client().get("/", HTTP_HOST="intrus.example")
    assert response.status_code == 400
    page = response.content.decode()
    assert "Demande incorrecte" in page and "Erreur 400" in page
    assert "Bad Request" not in page
