from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data (``load_demo``) and the national-scale generator (``seed_scale``): the top
    floor, above pilotage; no domain app imports it."""

    name = "demo"
    verbose_name = "Démonstration"
