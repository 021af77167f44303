from django.urls import path

from infobase.funding import views_allocation as views

urlpatterns = [
    path("funding/allocation/", views.allocation_view, name="allocation"),
    path("funding/proposals/<int:pk>/", views.proposal_detail, name="proposal_detail"),
    path("funding/proposals/<int:pk>/accept/", views.proposal_accept, name="proposal_accept"),
]
