"""``?fields=a,b`` sparse fieldsets, and ETags of records."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from rest_framework import serializers
from rest_framework.utils.encoders import JSONEncoder


class SparseFieldsMixin:
    """Keeps only the fields named in ``?fields=`` (comma-separated; unknown names ignored)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        context = kwargs.get("context") or {}
        request = context.get("request")
        wanted = request.query_params.get("fields", "") if request is not None else ""
        names = {n.strip() for n in wanted.split(",") if n.strip()}
        if names & set(self.fields):  # type: ignore[attr-defined]
            for name in set(self.fields) - names:  # type: ignore[attr-defined]
                self.fields.pop(name)  # type: ignore[attr-defined]


class Serializer(SparseFieldsMixin, serializers.ModelSerializer):
    pass


def etag_of(data: Any) -> str:
    """A strong ETag of a record's representation."""
    text = json.dumps(data, cls=JSONEncoder, sort_keys=True, ensure_ascii=False)
    return '"' + hashlib.sha256(text.encode()).hexdigest()[:32] + '"'


def if_match_values(header: str) -> list[str]:
    return [v.strip().removeprefix("W/") for v in header.split(",") if v.strip()]
