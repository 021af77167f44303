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
