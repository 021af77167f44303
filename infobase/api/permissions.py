"""API-level checks. Who may see or change a record is decided by
``infobase.accounts.permissions`` alone; this only refuses writes with a read-only token."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions
from rest_framework.request import Request

from infobase.api.models import AccessToken


class ReadOnlyTokenPermission(permissions.BasePermission):
    message = _("This token is read-only: it cannot change anything.")

    def has_permission(self, request: Request, view: Any) -> bool:
        # ``writes_nothing``: a POST that changes no record (asking for an export's file).
        if request.method in permissions.SAFE_METHODS or getattr(view, "writes_nothing", False):
            return True
        token = request.auth
        return not (isinstance(token, AccessToken) and token.read_only)


class SignedIn(permissions.BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user and request.user.is_authenticated)


def has_perm(name: str) -> type[permissions.BasePermission]:
    """A DRF permission asking ``user.has_perm(name)`` (django-rules) for the list."""

    class HasPerm(permissions.BasePermission):
        def has_permission(self, request: Request, view: Any) -> bool:
            return bool(request.user.has_perm(name))

    HasPerm.__name__ = f"HasPerm_{name.replace('.', '_')}"
    return HasPerm
