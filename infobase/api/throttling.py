"""Rate limits: per person (all their tokens and their browser's session together) and per
anonymous address, counted in the cache the web server's processes share."""

from __future__ import annotations

from typing import Any

from django.core.cache import BaseCache, caches
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from infobase.accounts.selectors import client_ip


class _Throttle(SimpleRateThrottle):
    @property
    def cache(self) -> BaseCache:
        return caches["throttles"]

    def get_rate(self) -> str | None:
        # Read the settings now, not at import, so that they can be changed (tests, reloads).
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class TokenRateThrottle(_Throttle):
    scope = "token"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        # Counted per person, not per token: anyone may make as many tokens as they like.
        if request.user and request.user.is_authenticated:
            return self.cache_format % {"scope": self.scope, "ident": f"u{request.user.pk}"}
        return None


class AnonymousRateThrottle(_Throttle):
    scope = "anonymous"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if request.user and request.user.is_authenticated:
            return None
        ident = client_ip(request._request) or "unknown"
        return self.cache_format % {"scope": self.scope, "ident": ident}
