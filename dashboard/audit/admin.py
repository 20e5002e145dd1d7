from django.contrib import admin

from dashboard.audit.models import ActionLog


@admin.register(ActionLog)
class ActionLogAdmin(admin.ModelAdmin):
    """Read-only: the action log is append-only and nobody edits or deletes entries."""

    list_display = (
        "created_at",
        "username",
        "action",
        "team_label",
        "team_id",
        "kind",
        "resource_id",
        "outcome",
    )
    list_filter = ("action", "outcome", "kind")
    search_fields = ("username", "team_id", "team_label", "resource_id", "detail")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
