from django.apps import AppConfig
from django.core import checks


class AccountsConfig(AppConfig):
    name = "dashboard.accounts"
    label = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from dashboard.checks import encryption_keys

        # Not deploy-only: a key that cannot be used breaks development servers just the same.
        checks.register(encryption_keys, checks.Tags.security)
