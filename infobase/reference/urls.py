from django.urls import path

from infobase.reference import views

urlpatterns = [
    path("states/", views.state_list, name="state_list"),
    path("states/<str:iso3>/", views.state_detail, name="state_detail"),
    path("states/<str:iso3>/contacts/new/", views.contact_edit, name="contact_add"),
    path("states/<str:iso3>/contacts/<int:pk>/", views.contact_edit, name="contact_edit"),
    path("instruments/", views.instrument_list, name="instrument_list"),
    path("instruments/<slug:code>/", views.instrument_detail, name="instrument_detail"),
    path(
        "instruments/<slug:code>/articles/<int:number>/",
        views.article_detail,
        name="article_detail",
    ),
    path("organizations/", views.organization_list, name="organization_list"),
]
