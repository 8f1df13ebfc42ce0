from django.apps import AppConfig


class CitesConfig(AppConfig):
    name = "cites"
    verbose_name = "Territoires et gouvernance"
