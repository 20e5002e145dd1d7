from django.urls import path

from dashboard.audit import views

urlpatterns = [
    path("", views.audit, name="audit"),
    path("team/<str:team_key>/", views.team_section, name="audit-team"),
    path("combined/", views.combined, name="audit-combined"),
    path("refresh/", views.refresh, name="audit-refresh"),
    path("export.csv", views.export_csv, name="audit-export"),
    path("export.json", views.export_json, name="audit-export-json"),
    path("creators/", views.creators, name="audit-creators"),
    path("log/", views.action_log, name="audit-log"),
    path("log/export.csv", views.action_log_export, name="audit-log-export"),
]
