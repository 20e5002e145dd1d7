from django.urls import path

from dashboard.accounts import views

urlpatterns = [
    path("", views.keys, name="keys"),
    path("welcome/", views.welcome, name="welcome"),
    path("<int:pk>/activate/", views.activate, name="key-activate"),
    path("<int:pk>/delete/", views.delete, name="key-delete"),
]
