from django.urls import include, path

# Each part of the needs app owns its URLs.
urlpatterns = [
    path("", include("infobase.needs.urls_requests")),
    path("", include("infobase.needs.urls_lessons")),
    path("", include("infobase.needs.urls_register")),
    path("", include("infobase.needs.urls_programmes")),
]
