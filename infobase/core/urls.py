from django.templatetags.static import static
from django.urls import path
from django.views.generic import RedirectView

from infobase.core import views_ops

urlpatterns = [
    path("healthz", views_ops.healthz, name="healthz"),
    # Browsers ask for /favicon.ico whatever the page says.
    path("favicon.ico", RedirectView.as_view(url=static("infobase/favicon.ico"), permanent=True)),
]
