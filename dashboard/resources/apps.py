from django.apps import AppConfig
from django.core import checks


class ResourcesConfig(AppConfig):
    name = "dashboard.resources"
    label = "resources"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from dashboard.upstream.catalog.checks import check_catalog

        # The pages of this app are generated from the catalog: it must describe them right.
        checks.register(check_catalog)
