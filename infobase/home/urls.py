from django.urls import path

from infobase.home import views

urlpatterns = [
    path("", views.home, name="home"),
    path("history/<str:model>/<int:pk>/", views.history, name="history"),
    path("notifications/", views.notice_list, name="notice_list"),
    path("notifications/read/", views.notices_read, name="notices_read"),
    path("jobs/<uuid:pk>/", views.job_detail, name="job"),
    path("jobs/<uuid:pk>/status.json", views.job_status, name="job_status"),
    path("jobs/<uuid:pk>/file", views.export_file, name="export_file"),
    path("jobs/<uuid:pk>/again", views.job_export_again, name="job_export_again"),
]
