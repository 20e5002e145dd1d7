from django.contrib import admin

from dashboard.people.models import CreatorName


@admin.register(CreatorName)
class CreatorNameAdmin(admin.ModelAdmin):
    list_display = ("display_name", "creator_id", "updated_at")
    search_fields = ("display_name", "creator_id")
