from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from infobase.demo.selectors import demo_data_present


def demo(request: HttpRequest) -> dict[str, Any]:
    """Whether the illustrative demo data is loaded (every page then says so)."""
    return {"demo_data_present": demo_data_present()}
