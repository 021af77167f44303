from django.urls import path

from infobase.core import views, views_ops

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views_ops.healthz, name="healthz"),
    path("history/<str:model>/<int:pk>/", views.history, name="history"),
    path("jobs/<uuid:pk>/", views.job_detail, name="job"),
    path("jobs/<uuid:pk>/status.json", views.job_status, name="job_status"),
]
