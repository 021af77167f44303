"""Writes to reference data made by people (loaders live in ``loaders/``)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from infobase.reference.models import State, StateContact


def contact_save(
    *, user: Any, state: State, instance: StateContact, data: dict[str, Any], reason: str = ""
) -> StateContact:
    """Create or update a State's national contact, for a user allowed to act for the State."""
    action = "change" if instance.pk else "add"
    if not user.has_perm(f"reference.{action}_statecontact", instance if instance.pk else state):
        raise PermissionDenied
    for field, value in data.items():
        setattr(instance, field, value)
    instance.state = state
    instance._change_reason = reason  # type: ignore[attr-defined]
    with transaction.atomic():
        instance.save()
    return instance
