from django.urls import path

from infobase.funding import views_money as views

urlpatterns = [
    path("funding/pledges/", views.pledge_list, name="pledge_list"),
    path("funding/pledges/new/", views.pledge_new, name="pledge_new"),
    path("funding/pledges/<int:pk>/", views.pledge_detail, name="pledge_detail"),
    path("funding/pledges/<int:pk>/edit/", views.pledge_edit, name="pledge_edit"),
    path("funding/rates/", views.rate_list, name="rate_list"),
]
