from django.urls import path

from dashboard.audit import views

urlpatterns = [
    path("", views.action_log, name="audit-log"),
    path("export.csv", views.action_log_export, name="audit-log-export"),
]
