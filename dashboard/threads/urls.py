from django.urls import path

from dashboard.threads import views

urlpatterns = [
    path("", views.threads, name="threads"),
    path("<str:thread_id>/", views.thread_detail, name="thread-detail"),
]
