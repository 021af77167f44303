from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _


class InfobaseAdminSite(admin.AdminSite):
    site_header = _("Infobase administration")
    site_title = _("Infobase")
    index_title = _("Secretariat administration")

    def has_permission(self, request: HttpRequest) -> bool:
        # The secretariat only, as decided in accounts.permissions.
        return request.user.is_active and request.user.has_perm("infobase.use_admin")
