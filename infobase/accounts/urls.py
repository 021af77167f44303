from django.contrib.auth import views as auth_views
from django.urls import path

from infobase.accounts import views

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("language/", views.switch_language, name="switch_language"),
]
