from django.urls import path

from infobase.activities import views_screens as views

urlpatterns = [
    path("activities/", views.activity_list, name="activity_list"),
    path("activities/new/", views.activity_new, name="activity_new"),
    path("activities/matrix/", views.who_what_where, name="who_what_where"),
    path(
        "activities/matrix/export.<str:fmt>",
        views.who_what_where_export,
        name="who_what_where_export",
    ),
    path("activities/map/", views.activity_map, name="activity_map"),
    path("activities/<int:pk>/", views.activity_detail, name="activity_detail"),
    path("activities/<int:pk>/edit/", views.activity_edit, name="activity_edit"),
    path("activities/<int:pk>/comment/", views.activity_comment, name="activity_comment"),
]
