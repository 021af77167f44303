from django.urls import path

from infobase.meetings import views

urlpatterns = [
    path("meetings/", views.session_list, name="session_list"),
    path("meetings/sessions/<int:pk>/", views.session_detail, name="session_detail"),
    path("meetings/bodies/<slug:code>/", views.body_detail, name="body_detail"),
    path("meetings/documents/", views.document_list, name="document_list"),
    path("meetings/documents/<int:pk>/", views.document_detail, name="document_detail"),
    path(
        "meetings/documents/<int:pk>/<str:language>/",
        views.document_file,
        name="document_file",
    ),
    path("meetings/outcomes/<int:pk>/", views.outcome_detail, name="outcome_detail"),
    path("meetings/mandates/", views.mandate_list, name="mandate_list"),
    path("meetings/file-report/<uuid:run_pk>/", views.report_file, name="report_file"),
    path("meetings/mandates/<int:pk>/status/", views.mandate_status, name="mandate_status"),
]
