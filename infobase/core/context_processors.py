from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import translation

from infobase.core.i18n import is_rtl


def infobase(request: HttpRequest) -> dict[str, Any]:
    from infobase.demo.selectors import demo_data_present

    code = translation.get_language() or "en"
    return {
        "rtl": is_rtl(code),
        "html_lang": "zh-Hans" if code == "zh-hans" else code,
        "demo_data_present": demo_data_present(),
    }
