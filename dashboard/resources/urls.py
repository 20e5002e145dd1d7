from django.urls import path

from dashboard.resources import views

urlpatterns = [
    path("", views.overview, name="overview"),
    path("r/<slug:kind>/", views.resource_list, name="resource-list"),
    path("r/<slug:kind>/<rid:resource_id>/", views.resource_detail, name="resource-detail"),
    path(
        "r/<slug:kind>/<rid:resource_id>/content/",
        views.resource_content,
        name="resource-content",
    ),
    path("r/<slug:kind>/<rid:resource_id>/find/", views.resource_find, name="resource-find"),
    path("r/<slug:kind>/<rid:resource_id>/delete/", views.resource_delete, name="resource-delete"),
    path(
        "r/<slug:kind>/<rid:resource_id>/action/<slug:name>/",
        views.resource_action,
        name="resource-action",
    ),
]
