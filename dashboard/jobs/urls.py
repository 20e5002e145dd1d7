from django.urls import path

from dashboard.jobs import views

urlpatterns = [
    path("", views.job_list, name="jobs"),
    path("<uuid:job_id>/", views.job_detail, name="job-detail"),
    path("<uuid:job_id>/cancel/", views.job_cancel, name="job-cancel"),
    path("<uuid:job_id>/retry/", views.job_retry, name="job-retry"),
]
