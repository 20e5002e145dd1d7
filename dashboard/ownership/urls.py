from django.urls import path

from dashboard.ownership import creators, views

urlpatterns = [
    path("", views.audit, name="audit"),
    path("team/<str:team_key>/", views.team_section, name="audit-team"),
    path("combined/", views.combined, name="audit-combined"),
    path("refresh/", views.refresh, name="audit-refresh"),
    path("export.csv", views.export_csv, name="audit-export"),
    path("export.json", views.export_json, name="audit-export-json"),
    path("people.csv", views.export_people_csv, name="audit-export-people"),
    path("creators/", creators.creators, name="audit-creators"),
]
