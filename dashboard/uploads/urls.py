from django.urls import path

from dashboard.uploads import views

urlpatterns = [path("", views.upload, name="upload")]
