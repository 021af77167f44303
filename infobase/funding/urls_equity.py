from django.urls import path

from infobase.funding import views_equity as views

urlpatterns = [
    path("funding/gaps/", views.gaps, name="funding_gaps"),
    path("funding/gaps/export.<str:fmt>", views.gaps_export, name="funding_gaps_export"),
    path("funding/mobilization/", views.mobilization, name="funding_mobilization"),
    path("funding/equity/", views.equity, name="funding_equity"),
]
