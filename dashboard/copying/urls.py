from django.urls import path

from dashboard.copying import bulk, views

urlpatterns = [
    path("r/<slug:kind>/bulk/", bulk.bulk_action, name="resource-bulk"),
    path(
        "r/<slug:kind>/<rid:resource_id>/copy/",
        views.copy_resource,
        name="resource-copy",
    ),
]
