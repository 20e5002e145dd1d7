from django.urls import path

from dashboard.resources import views

urlpatterns = [
    path("", views.overview, name="overview"),
    path("r/<slug:kind>/", views.resource_list, name="resource-list"),
    path("r/<slug:kind>/<str:resource_id>/", views.resource_detail, name="resource-detail"),
]
