from django.urls import path

from dashboard.teams import views

urlpatterns = [
    path("", views.teams, name="teams"),
    path("<int:pk>/rename/", views.rename, name="team-rename"),
    path("<int:pk>/remove/", views.remove, name="team-remove"),
]
