"""One URL namespace per app: the project's URL names are ``<app>:<name>`` for the five
apps that have pages (plus Django's ``admin``), each namespace declared once — no second
namespace for part of an app (the public calls or the dashboards), no app mounted twice."""

from django.urls import URLResolver, get_resolver

APP_NAMESPACES = {"accounts", "cites", "actions", "financements", "pilotage"}
ALLOWED = APP_NAMESPACES | {"admin"}  # django.contrib.admin's own namespace


def namespaces(patterns, found=None):
    """Every namespace registered under these patterns, once per include that declares it."""
    found = [] if found is None else found
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace:
                found.append(pattern.namespace)
            namespaces(pattern.url_patterns, found)
    return found


def test_one_namespace_per_app():
    found = namespaces(get_resolver().url_patterns)
    assert set(found) == ALLOWED, f"unexpected namespaces: {sorted(set(found) - ALLOWED)}"
    assert sorted(found) == sorted(ALLOWED), "a namespace is declared by more than one include"


def test_no_nested_namespace():
    """An app's urls.py may group its paths by prefix, never under a namespace of its own."""
    for pattern in get_resolver().url_patterns:
        if isinstance(pattern, URLResolver) and pattern.namespace in APP_NAMESPACES:
            assert namespaces(pattern.url_patterns) == [], pattern.namespace
