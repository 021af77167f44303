"""Lists as CSV or XLSX through the one exporter interface (``infobase.core.exporters``)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from rest_framework.renderers import BaseRenderer

from infobase.core.exporters import FORMATS, Exporter


class RowsExporter(Exporter):
    """Rows already shaped by a serializer: one column per field, nested values as JSON."""

    def __init__(self, identifier: str, rows: list[dict[str, Any]]) -> None:
        self.identifier = identifier
        self._rows = rows

    def columns(self) -> Sequence[str]:
        return list(self._rows[0]) if self._rows else []

    def rows(self) -> Iterable[Sequence[Any]]:
        for row in self._rows:
            yield [
                json.dumps(v, ensure_ascii=False, default=str) if isinstance(v, (dict, list)) else v
                for v in row.values()
            ]


class _FileRenderer(BaseRenderer):
    """Passes through the bytes the view rendered with the exporter."""

    charset = None

    def render(
        self, data: Any, accepted_media_type: Any = None, renderer_context: Any = None
    ) -> Any:
        return data if isinstance(data, bytes) else json.dumps(data, default=str).encode()


class CSVRenderer(_FileRenderer):
    media_type = "text/csv"
    format = "csv"


class XLSXRenderer(_FileRenderer):
    media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    format = "xlsx"


def wanted_format(request: Any) -> str:
    fmt = request.query_params.get("format", "")
    if fmt in FORMATS:
        return str(fmt)
    renderer = getattr(request, "accepted_renderer", None)
    return str(renderer.format) if renderer is not None and renderer.format in FORMATS else ""
