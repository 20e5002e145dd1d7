from django.apps import AppConfig


class OwnershipConfig(AppConfig):
    name = "dashboard.ownership"
    label = "ownership"
