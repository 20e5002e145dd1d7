from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, register_converter

from dashboard.converters import ResourceIdConverter

register_converter(ResourceIdConverter, "rid")  # before the apps' URLs that use it

urlpatterns = [
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("", include("dashboard.resources.urls")),
    path("keys/", include("dashboard.accounts.urls")),
    path("teams/", include("dashboard.teams.urls")),
    path("files/upload/", include("dashboard.uploads.urls")),
    path("threads/", include("dashboard.threads.urls")),
    path("audit/", include("dashboard.audit.urls")),
]

if settings.SANDBOX_ENABLED:
    urlpatterns.append(path("sandbox/", include("dashboard.sandbox.urls")))

handler400 = "dashboard.views.bad_request"
handler403 = "dashboard.views.permission_denied"
handler404 = "dashboard.views.page_not_found"
handler500 = "dashboard.views.server_error"
