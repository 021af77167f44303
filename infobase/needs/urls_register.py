from django.urls import path

from infobase.needs import views_register as views

urlpatterns = [
    path("needs/", views.register, name="need_register"),
    path("needs/heat/", views.heat, name="need_heat"),
    path("needs/decide/", views.register_decide, name="need_register_decide"),
    path("needs/derive/", views.register_derive, name="need_register_derive"),
    path("needs/export.<str:fmt>", views.export, name="need_export"),
    path("needs/<int:pk>/", views.need_detail, name="need_detail"),
    path("needs/<int:pk>/decide/", views.need_decide, name="need_decide"),
]
