from django.urls import path

from infobase.needs import views_register as views

urlpatterns = [
    path("programmes/", views.programme_list, name="programme_list"),
]
