from django.urls import path

from dashboard.features import gated
from dashboard.threads import views
from dashboard.upstream.profiles import Feature

urlpatterns = gated(
    Feature.THREADS,
    [
        path("", views.threads, name="threads"),
        path("previews/", views.thread_previews, name="thread-previews"),  # before a thread's id
        path("<rid:thread_id>/", views.thread_detail, name="thread-detail"),
        path("<rid:thread_id>/delete/", views.thread_delete, name="thread-delete"),
        path("<rid:thread_id>/title/", views.thread_title, name="thread-title"),
        path("<rid:thread_id>/messages/", views.thread_messages, name="thread-messages"),
        path(
            "<rid:thread_id>/messages/<rid:message_id>/delete/",
            views.message_delete,
            name="message-delete",
        ),
        path("<rid:thread_id>/runs/", views.thread_runs, name="thread-runs"),
        path("<rid:thread_id>/run/", views.run_agent, name="thread-run"),
        path("<rid:thread_id>/run/cancel/", views.cancel_run, name="thread-run-cancel"),
    ],
)
