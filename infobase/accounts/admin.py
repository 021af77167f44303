from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from infobase.accounts.models import AuthEvent, User


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


@admin.register(AuthEvent)
class AuthEventAdmin(admin.ModelAdmin):
    """The security audit log, read-only."""

    list_display = ["created_at", "kind", "username", "user", "actor", "ip_address", "detail"]
    list_filter = ["kind", "created_at"]
    search_fields = ["username", "ip_address", "detail"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "created_at",
        "kind",
        "user",
        "username",
        "actor",
        "ip_address",
        "detail",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
