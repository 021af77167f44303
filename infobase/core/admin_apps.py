from django.contrib.admin.apps import AdminConfig


class InfobaseAdminConfig(AdminConfig):
    default_site = "infobase.core.admin_site.InfobaseAdminSite"
