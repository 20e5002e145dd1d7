from django.urls import path

from dashboard.audit import views

urlpatterns = [
    path("", views.audit, name="audit"),
    path("log/", views.action_log, name="audit-log"),
]
