from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, register_converter

from dashboard.converters import ResourceIdConverter
from dashboard.copying import handover
from dashboard.ownership import views as ownership_views
from dashboard.teams import views as team_views

register_converter(ResourceIdConverter, "rid")  # before the apps' URLs that use it

# A team's pages: /t/<team>/…, <team> being a team ID or "personal" (see teams.middleware).
team_pages = [
    path("", include("dashboard.copying.urls")),  # before a resource's page, which takes any id
    path("", include("dashboard.resources.urls")),
    path("files/upload/", include("dashboard.uploads.urls")),
]

urlpatterns = [
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("", team_views.old_team_page, name="home"),
    path("t/<str:team>/", include(team_pages)),
    path("keys/", include("dashboard.accounts.urls")),
    path("teams/", include("dashboard.teams.urls")),
    path("threads/", include("dashboard.threads.urls")),
    path("search/", include("dashboard.ownership.search_urls")),
    path("people/<rid:creator>/", ownership_views.person, name="person"),
    path("people/<rid:creator>/handover/", handover.handover, name="person-handover"),
    path("jobs/", include("dashboard.jobs.urls")),
    path("audit/log/", include("dashboard.audit.urls")),
    path("audit/", include("dashboard.ownership.urls")),
    # Addresses from before teams were in the path.
    path("r/<path:rest>", team_views.old_team_page),
    path("files/upload/", team_views.old_team_page),
]

if settings.SANDBOX_ENABLED:
    from dashboard.sandbox import mounts

    urlpatterns += mounts.urlpatterns

handler400 = "dashboard.views.bad_request"
handler403 = "dashboard.views.permission_denied"
handler404 = "dashboard.views.page_not_found"
handler500 = "dashboard.views.server_error"
