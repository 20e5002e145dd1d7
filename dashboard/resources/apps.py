from django.apps import AppConfig
from django.core import checks


class ResourcesConfig(AppConfig):
    name = "dashboard.resources"
    label = "resources"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from dashboard.checks import list_cache_shared
        from dashboard.upstream.catalog.checks import check_catalog
        from dashboard.upstream.profiles import active_profile

        # Every page depends on the upstream's profile: an unknown one stops the start.
        active_profile()
        # The pages of this app are generated from the catalog: it must describe them right.
        checks.register(check_catalog)
        checks.register(list_cache_shared, checks.Tags.caches)
