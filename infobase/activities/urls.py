from django.urls import include, path

# Each part of the activities app owns its URLs.
urlpatterns = [
    path("", include("infobase.activities.urls_export")),
    path("", include("infobase.activities.urls_screens")),
    path("", include("infobase.activities.urls_iati")),
    path("", include("infobase.activities.urls_coverage")),
    path("", include("infobase.activities.urls_map")),
]
