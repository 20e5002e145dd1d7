from django.urls import path

from dashboard.ownership import search

urlpatterns = [path("", search.search, name="search")]
