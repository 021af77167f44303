from django.urls import path

from infobase.core import views

urlpatterns = [
    path("", views.home, name="home"),
    path("history/<str:model>/<int:pk>/", views.history, name="history"),
]
