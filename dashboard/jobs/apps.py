from django.apps import AppConfig


class JobsConfig(AppConfig):
    """Background jobs: long work (copies, bulk deletes, handovers) run by a worker process on
    django-tasks' database backend. Other apps register their kinds of job in their own
    ``AppConfig.ready()`` with :func:`dashboard.jobs.registry.register`."""

    name = "dashboard.jobs"
    label = "jobs"
    default_auto_field = "django.db.models.BigAutoField"
