from django.urls import path

from infobase.funding import views_projects as views

urlpatterns = [
    path("funding/projects/", views.project_list, name="project_list"),
    path("funding/projects/new/", views.project_new, name="project_new"),
    path("funding/projects/<int:pk>/", views.project_detail, name="project_detail"),
    path("funding/projects/<int:pk>/edit/", views.project_edit, name="project_edit"),
    path("funding/projects/<int:pk>/allocate/", views.project_allocate, name="project_allocate"),
    path("funding/projects/<int:pk>/move/", views.project_move, name="project_move"),
    path(
        "funding/projects/<int:pk>/beneficiaries/remove/",
        views.project_beneficiary_remove,
        name="project_beneficiary_remove",
    ),
    path(
        "funding/projects/<int:pk>/beneficiaries/keep/",
        views.project_beneficiary_keep,
        name="project_beneficiary_keep",
    ),
]
