from django.contrib import admin

from dashboard.accounts.models import ApiKey


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Keys are listed masked; their ciphertext is never shown or edited here."""

    list_display = ("user", "label", "masked", "is_active", "created_at", "last_used_at")
    fields = (
        "user",
        "label",
        "masked",
        "is_active",
        "created_at",
        "last_used_at",
        "upstream_user_id",
        "personal_team_id",
    )
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
