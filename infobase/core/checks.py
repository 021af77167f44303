"""System checks with stable ids (``infobase.E001`` …)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register(Tags.compatibility)
def check_languages(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    codes = {code for code, _name in settings.LANGUAGES}
    expected = {"ar", "zh-hans", "en", "fr", "ru", "es"}
    if codes != expected:
        return [
            Error(
                "LANGUAGES must be the six UN official languages.",
                hint=f"Expected {sorted(expected)}, got {sorted(codes)}.",
                id="infobase.E001",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def check_debug(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    if settings.DEBUG:
        return [Warning("DEBUG is on.", hint="Unset DEBUG in production.", id="infobase.W001")]
    return []
