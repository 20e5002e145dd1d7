from django.urls import path

from dashboard.threads import views

urlpatterns = [
    path("", views.threads, name="threads"),
    path("<str:thread_id>/", views.thread_detail, name="thread-detail"),
    path("<str:thread_id>/delete/", views.thread_delete, name="thread-delete"),
    path("<str:thread_id>/messages/", views.thread_messages, name="thread-messages"),
    path(
        "<str:thread_id>/messages/<str:message_id>/delete/",
        views.message_delete,
        name="message-delete",
    ),
    path("<str:thread_id>/runs/", views.thread_runs, name="thread-runs"),
    path("<str:thread_id>/run/", views.run_agent, name="thread-run"),
    path("<str:thread_id>/run/cancel/", views.cancel_run, name="thread-run-cancel"),
]
