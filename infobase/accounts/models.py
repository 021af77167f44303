from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Role(models.TextChoices):
    SECRETARIAT = "secretariat", _("Secretariat staff")
    FOCAL_POINT = "focal_point", _("State focal point")
    WG_MEMBER = "wg_member", _("Working-group member")
    DONOR = "donor", _("Donor")


class User(AbstractUser):
    """Everyone who signs in. The role decides what they may do (see ``permissions``)."""

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, blank=True)
    state = models.ForeignKey(
        "reference.State",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("State"),
        help_text=_("The State a focal point or working-group delegate acts for."),
    )
    organization = models.ForeignKey(
        "reference.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("organization"),
        help_text=_("The organization a donor acts for."),
    )
    is_wg_chair = models.BooleanField(_("chair of the working group"), default=False)
    is_bureau_member = models.BooleanField(_("member of the Bureau"), default=False)
    language = models.CharField(
        _("interface language"), max_length=10, choices=settings.LANGUAGES, blank=True
    )
    is_demo = models.BooleanField(_("illustrative demo account"), default=False)

    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(role__in=["focal_point", "wg_member"])
                | models.Q(state__isnull=False),
                name="user_state_role_has_state",
            ),
            models.CheckConstraint(
                condition=~models.Q(role="donor") | models.Q(organization__isnull=False),
                name="user_donor_has_organization",
            ),
        ]

    @property
    def is_secretariat(self) -> bool:
        return self.is_active and (self.role == Role.SECRETARIAT or self.is_superuser)


class AuthEventKind(models.TextChoices):
    LOGIN = "login", _("Signed in")
    LOGIN_FAILED = "login_failed", _("Sign-in failed")
    LOGOUT = "logout", _("Signed out")
    LOCKED_OUT = "locked_out", _("Locked out after repeated failures")
    PASSWORD_CHANGED = "password_changed", _("Password changed")
    PASSWORD_RESET_REQUESTED = "password_reset_requested", _("Password reset requested")
    PASSWORD_RESET = "password_reset", _("Password reset by e-mail link")
    OTP_ENROLLED = "otp_enrolled", _("Two-factor authentication enrolled")
    OTP_VERIFIED = "otp_verified", _("Second factor verified")
    OTP_FAILED = "otp_failed", _("Second factor refused")
    RECOVERY_CODE_USED = "recovery_code_used", _("Recovery code used")
    SESSION_EXPIRED = "session_expired", _("Session expired after inactivity")
    ROLE_CHANGED = "role_changed", _("Role or permissions changed")


class AuthEvent(models.Model):
    """One security-relevant event: sign-in, sign-out, lockout, password, second factor, role.

    Append-only: nobody may change or delete an entry (see ``permissions``). ``username`` keeps
    what was typed, so failures for unknown names are recorded too.
    """

    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    kind = models.CharField(_("what"), max_length=40, choices=AuthEventKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="auth_events",
        verbose_name=_("user"),
    )
    username = models.CharField(_("username"), max_length=150, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("done by"),
        help_text=_("Who made the change, when it was not the user."),
    )
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    detail = models.TextField(_("detail"), blank=True)

    class Meta:
        verbose_name = _("security event")
        verbose_name_plural = _("security events")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.kind} {self.username}"
