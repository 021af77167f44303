from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from infobase.accounts.models import User


@admin.register(User)
class InfobaseUserAdmin(UserAdmin, SimpleHistoryAdmin):
    list_display = [
        "username",
        "get_full_name",
        "role",
        "state",
        "organization",
        "language",
        "is_active",
    ]
    list_filter = ["role", "is_active", "is_wg_chair", "is_bureau_member", "is_demo"]
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        (
            _("Role in Infobase"),
            {
                "fields": (
                    "role",
                    "state",
                    "organization",
                    "is_wg_chair",
                    "is_bureau_member",
                    "language",
                )
            },
        ),
    )
