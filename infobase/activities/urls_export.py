from django.urls import path

from infobase.activities import views_export

# Included by infobase/activities/urls.py with path("", include(...)), like its siblings;
# list it before urls_screens so that an "activities/<identifier>/" pattern cannot shadow it.
urlpatterns = [
    path("activities/export.xml", views_export.iati_export_download, name="iati_export_download"),
]
