from django.apps import AppConfig


class CopyingConfig(AppConfig):
    """Copying resources into another of the user's teams, with what they depend on, as
    background jobs."""

    name = "dashboard.copying"
    label = "copying"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from dashboard.copying import bulk, copy_job, notes
        from dashboard.jobs import registry
        from dashboard.resources import notes as resource_notes

        registry.register(copy_job.KIND, copy_job.run_copy, label=copy_job.LABEL)
        registry.register(bulk.DELETE_KIND, bulk.run_delete, label=bulk.DELETE_LABEL)
        resource_notes.register(notes.copied_from)
