from django.urls import include, path

# Each part of the funding app owns its URLs.
urlpatterns = [
    path("", include("infobase.funding.urls_money")),
    path("", include("infobase.funding.urls_projects")),
    path("", include("infobase.funding.urls_equity")),
    path("", include("infobase.funding.urls_allocation")),
]
