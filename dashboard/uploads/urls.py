from django.urls import path

from dashboard.features import gated
from dashboard.uploads import views
from dashboard.upstream.profiles import Feature

urlpatterns = gated(Feature.UPLOADS, [path("", views.upload, name="upload")])
