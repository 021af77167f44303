from django.urls import path

from infobase.needs import views_requests as views

urlpatterns = [
    path("requests/", views.request_list, name="request_list"),
    path("requests/new/", views.request_new, name="request_new"),
    path("requests/import/", views.requests_import, name="requests_import"),
    path(
        "requests/import/template.xlsx",
        views.requests_import_template,
        name="requests_import_template",
    ),
    path("requests/<int:pk>/", views.request_detail, name="request_detail"),
    path("requests/<int:pk>/document/", views.request_document, name="request_document"),
    path("requests/<int:pk>/transition/", views.request_transition, name="request_transition"),
]
