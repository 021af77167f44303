"""Rows written in bulk: ``COPY`` on PostgreSQL, one function for every bulk writer.

A long ``INSERT … VALUES (…), (…)`` costs the PostgreSQL driver a parse of its text for the
parameters on every execution (too long to be cached): at world scale that took longer than
the server's work for the rows. ``COPY`` has no statement to build or bind.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connections


def copy_rows(
    table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]], *, using: str = "default"
) -> None:
    """PostgreSQL only: ``COPY`` ``rows`` (values ready for the database, in the order of
    ``columns``) into ``table``. Errors are Django's (``IntegrityError`` …), as its own
    statements raise them."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        raise ValueError("COPY is PostgreSQL's")
    quote = connection.ops.quote_name
    names = ", ".join(quote(column) for column in columns)
    # Table and column names come from the models (quoted); rows go as data.
    sql = f"COPY {quote(table)} ({names}) FROM STDIN"
    with connection.wrap_database_errors, connection.cursor() as cursor, cursor.copy(sql) as stream:
        for row in rows:
            stream.write_row(row)
