from django.urls import path

from dashboard.copying import views

urlpatterns = [
    path(
        "r/<slug:kind>/<rid:resource_id>/copy/",
        views.copy_resource,
        name="resource-copy",
    ),
]
