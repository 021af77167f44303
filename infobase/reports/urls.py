from django.urls import path

from infobase.reports import views

app_name = "reports"

urlpatterns = [
    path("reports/", views.report_list, name="list"),
    path("reports/new/<slug:slug>/", views.report_new, name="new"),
    path("reports/runs/<uuid:pk>/", views.run_detail, name="run"),
    path("reports/runs/<uuid:pk>/file/", views.run_download, name="download"),
    path("reports/runs/<uuid:pk>/other/", views.run_other, name="other"),
    path("reports/runs/<uuid:pk>/publish/", views.run_publish, name="publish"),
    path("published/", views.publication_list, name="publications"),
    path("published/<int:pk>/", views.publication_detail, name="publication"),
    path("published/<int:pk>/<uuid:run_pk>/", views.publication_file, name="publication_file"),
    path("published/<int:pk>/withdraw/", views.publication_withdraw, name="withdraw"),
]
