from django.urls import path

from infobase.activities import views_coverage as views

urlpatterns = [
    path("coverage/", views.coverage_overview, name="coverage_overview"),
    path("coverage/export/<str:what>.<str:fmt>", views.coverage_export, name="coverage_export"),
    path("needs/<int:pk>/activities/", views.need_links, name="need_links"),
]
