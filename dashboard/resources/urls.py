from django.urls import path

from dashboard.resources import manage, views

RESOURCE = "r/<slug:kind>/<rid:resource_id>/"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("r/<slug:kind>/", views.resource_list, name="resource-list"),
    path("r/<slug:kind>/new/", manage.resource_new, name="resource-new"),
    path(RESOURCE, views.resource_detail, name="resource-detail"),
    path(f"{RESOURCE}content/", views.resource_content, name="resource-content"),
    path(f"{RESOURCE}find/", views.resource_find, name="resource-find"),
    path(f"{RESOURCE}delete/", views.resource_delete, name="resource-delete"),
    path(f"{RESOURCE}action/<slug:name>/", views.resource_action, name="resource-action"),
    path(f"{RESOURCE}edit/", manage.resource_form, {"name": "edit"}, name="resource-edit"),
    path(f"{RESOURCE}do/<slug:name>/", manage.resource_form, name="resource-form"),
    path(
        f"{RESOURCE}do/<slug:name>/<rid:result>/",
        manage.resource_follow,
        name="resource-follow",
    ),
    path(
        f"{RESOURCE}sub/<int:index>/<rid:item>/remove/",
        manage.sub_item_remove,
        name="resource-sub-remove",
    ),
]
