from django.urls import path

from infobase.activities import views_iati as views

urlpatterns = [
    path("activities/import/", views.iati_import_upload, name="iati_import_upload"),
    path("activities/imports/<int:pk>/", views.import_run_detail, name="import_run_detail"),
]
