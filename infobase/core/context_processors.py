from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import translation

from infobase.core.i18n import is_rtl
from infobase.core.notifications import unread_count


def infobase(request: HttpRequest) -> dict[str, Any]:
    code = translation.get_language() or "en"
    return {
        "rtl": is_rtl(code),
        "html_lang": "zh-Hans" if code == "zh-hans" else code,
        "unread_notices": unread_count(request.user) if hasattr(request, "user") else 0,
    }
