from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("infobase.accounts.urls")),
    path("", include("infobase.api.urls")),
    path("", include("infobase.reference.urls")),
    path("", include("infobase.questionnaires.urls")),
    path("", include("infobase.needs.urls")),
    path("", include("infobase.activities.urls")),
    path("", include("infobase.funding.urls")),
    path("", include("infobase.meetings.urls")),
    path("", include("infobase.reports.urls")),
    path("", include("infobase.home.urls")),
    path("", include("infobase.core.urls")),
]

# A visitor who is not signed in is sent to sign in rather than told "not allowed".
handler403 = "infobase.core.views_errors.permission_denied"
handler404 = "infobase.core.views_errors.page_not_found"
