from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo: the sandbox's demo organisation and a dashboard login wired to it."""

    name = "dashboard.demo"
    label = "demo"
