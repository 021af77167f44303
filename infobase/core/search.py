"""Free-text search: one function behind every search box, one mixin that keeps the keys.

A searchable model mixes in ``SearchKeyMixin`` and declares which of its values make its key
(``search_fields``); the folded key (``infobase.core.text.search_key``) is recomputed on every
``save()`` (the admin's included), on ``bulk_create``/``bulk_update`` through its manager and
when a many-to-many relation it reads changes. ``search`` matches every word of a query
(folded the same way, Arabic article removed) inside one or more keys, with ``LIKE``: on
PostgreSQL a trigram GIN index on each key (``trigram_index``) keeps that fast at any size; on
SQLite the same query scans.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, ClassVar, TypeVar

from django.apps.registry import Apps
from django.db import DatabaseError, connections, models, transaction
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations import RunPython
from django.db.models import Q, QuerySet
from django.db.models.signals import m2m_changed
from django.dispatch import receiver

from infobase.core.i18n import FIELD_LANGUAGES
from infobase.core.text import query_words, search_key

logger = logging.getLogger(__name__)
M = TypeVar("M", bound=models.Model)
QS = TypeVar("QS", bound=QuerySet[Any])

__all__ = [
    "SearchKeyMixin",
    "compute_search_key",
    "many_keys_written",
    "rebuild_search_keys",
    "search",
    "trigram_index",
]

# A query holds at most this many words; those past it are not looked for. Each word is one
# more condition: thousands of them (a pasted page) make a statement SQLite refuses ("Expression
# tree is too large") and one PostgreSQL takes long to run.
MAX_SEARCH_WORDS = 32


def search(qs: QS, query: str, *, keys: Sequence[str] | None = None) -> QS:
    """The rows of ``qs`` whose keys hold every word of ``query`` (each word in at least one of
    ``keys``; by default the model's own key). Case, accents, Arabic spelling variants and the
    Arabic article do not matter. An empty query returns ``qs`` unchanged; only the first
    ``MAX_SEARCH_WORDS`` words are looked for."""
    if keys is None:
        keys = (getattr(qs.model, "search_key_field", "search_text"),)
    for word in query_words(query)[:MAX_SEARCH_WORDS]:
        condition = Q()
        for key in keys:
            condition |= Q(**{f"{key}__contains": word})
        qs = qs.filter(condition)
    return qs


# --- Keys ---------------------------------------------------------------------------------


def _expand(path: str) -> list[str]:
    """``name_*`` stands for the field in each of the six languages."""
    if path.endswith("_*"):
        return [f"{path[:-1]}{suffix}" for suffix in FIELD_LANGUAGES]
    return [path]


def _values(obj: Any, path: str) -> Iterator[str]:
    value = obj
    for name in path.split("."):
        value = getattr(value, name, None)
        if value is None:
            return
    if isinstance(value, dict):
        yield from (str(v) for v in value.values() if v)
    elif isinstance(value, list | tuple):
        yield from (str(v) for v in value if v)
    elif value != "":
        yield str(value)


def declared_parts(obj: Any, fields: Iterable[str]) -> list[str]:
    """The texts behind ``fields`` (dotted paths, ``name_*`` for the six languages) of
    ``obj``; JSON values (language → text) and lists give each of their values."""
    parts: list[str] = []
    for path in fields:
        for expanded in _expand(path):
            parts.extend(_values(obj, expanded))
    return parts


def compute_search_key(model: type[SearchKeyMixin], obj: Any) -> str:
    """The folded key of ``obj`` as ``model`` defines it (``obj`` may be a historical model
    instance in a migration: only its fields are read)."""
    return search_key(*model.search_parts(obj))


class SearchKeyQuerySet(QuerySet[M]):
    def bulk_create(self, objs: Iterable[M], *args: Any, **kwargs: Any) -> list[M]:
        objs = list(objs)
        for obj in objs:
            obj.refresh_search_key()  # type: ignore[attr-defined]
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(
        self, objs: Iterable[M], fields: Iterable[str], batch_size: int | None = None
    ) -> int:
        objs = list(objs)
        fields = list(fields)
        if not _touches_key(self.model, fields):
            # e.g. only "missing_from_source": no need to read related rows for the key.
            return super().bulk_update(objs, fields, batch_size=batch_size)
        field = self.model.search_key_field  # type: ignore[attr-defined]
        for obj in objs:
            obj.refresh_search_key()  # type: ignore[attr-defined]
        return super().bulk_update(objs, [*fields, field], batch_size=batch_size)


def _touches_key(model: Any, fields: Sequence[str]) -> bool:
    """Whether writing ``fields`` may change the key of ``model``'s rows."""
    if model.search_parts is not SearchKeyMixin.search_parts:
        return True  # computed parts: any field may count
    heads = [path.split(".")[0] for path in model.search_fields]
    for name in fields:
        for head in heads:
            if head.endswith("_*"):
                if name.startswith(head[:-1]):
                    return True
            elif name in (head, f"{head}_id"):
                return True
    return False


SearchKeyManager = models.Manager.from_queryset(SearchKeyQuerySet)


class SearchKeyMixin(models.Model):
    """A model with a folded search key kept up to date on every write.

    ``search_fields``: dotted paths of the values that make the key (``provider.name_*``).
    Override ``search_parts`` to add computed texts (labels, related rows).
    """

    search_key_field: ClassVar[str] = "search_text"
    search_fields: ClassVar[tuple[str, ...]] = ()

    objects = SearchKeyManager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.refresh_search_key()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and self.search_key_field not in update_fields:
            kwargs["update_fields"] = [*update_fields, self.search_key_field]
        super().save(*args, **kwargs)

    def search_parts(self) -> list[str]:
        return declared_parts(self, type(self).search_fields)

    def refresh_search_key(self) -> str:
        key = compute_search_key(type(self), self)
        setattr(self, self.search_key_field, key)
        return key

    def save_search_key(self) -> None:
        """Recompute the key and write it alone when it changed (no history entry)."""
        old = getattr(self, self.search_key_field)
        if self.refresh_search_key() != old:
            type(self)._default_manager.filter(pk=self.pk).update(
                **{self.search_key_field: getattr(self, self.search_key_field)}
            )


@receiver(m2m_changed, dispatch_uid="infobase.core.search.m2m")
def _m2m_changed(
    sender: Any, instance: Any, action: str, reverse: bool, model: Any, pk_set: Any, **kwargs: Any
) -> None:
    """Keys that read a many-to-many relation follow it (admin edits included)."""
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if not reverse and isinstance(instance, SearchKeyMixin) and instance.pk:
        instance.save_search_key()
    elif reverse and issubclass(model, SearchKeyMixin) and pk_set:
        for obj in model._default_manager.filter(pk__in=pk_set):
            obj.save_search_key()


# --- Bulk writes ---------------------------------------------------------------------------

# A transaction writing many keys lets a trigram index gather them up to this size before it
# merges them into the index (PostgreSQL's default: 4 MB).
BULK_PENDING_LIST = "512MB"


@contextmanager
def many_keys_written(model: type[SearchKeyMixin], *, using: str = "default") -> Iterator[None]:
    """Around a transaction that writes the keys of many rows of ``model`` (a large import).

    On PostgreSQL a trigram index (``trigram_index``) takes new keys into a pending list and
    merges that list into the index whenever it outgrows ``gin_pending_list_limit``: by
    default every 4 MB, each merge walking the whole index, which made keeping the index cost
    more than everything else an IATI import of 36,000 activities asked of the server. Inside,
    the limit is raised for this connection; on the way out (the transaction committed or
    rolled back) the list is merged once, in bulk (``gin_clean_pending_list``), and the limit
    is put back, so that later searches and writes meet an index without a long pending list.
    Measured on a 210 MB IATI file written whole (``benchmarks/iati_import.py --all``): 18.2 s
    against 23.6 s, the server's CPU time unchanged (it waited less). The price: a search of
    the same table by someone else while the import runs reads the whole pending list.
    Other databases: nothing to do."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('gin_pending_list_limit'), "
            "set_config('gin_pending_list_limit', %s, false)",
            [BULK_PENDING_LIST],
        )
        (before, _set) = cursor.fetchone()
    try:
        yield
    finally:
        # Never the import's failure: the rows are written (or rolled back) by now.
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('gin_pending_list_limit', %s, false)", [before])
            with transaction.atomic(using=using), connection.cursor() as cursor:
                cursor.execute(
                    "SELECT gin_clean_pending_list(i.indexrelid::regclass) FROM pg_index i "
                    "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam "
                    "WHERE i.indrelid = %s::regclass AND a.amname = 'gin'",
                    [model._meta.db_table],
                )
        except DatabaseError:
            # A role that may write the table but does not own its index may not merge the
            # list (nor may a lost connection): autovacuum or later writes merge it.
            logger.warning("the search index's pending list was not merged", exc_info=True)


# --- Migrations ---------------------------------------------------------------------------


def rebuild_search_keys(
    label: str, live: Callable[[], type[SearchKeyMixin]]
) -> Callable[[Apps, BaseDatabaseSchemaEditor], None]:
    """A ``RunPython`` function recomputing every key of the model ``label`` ("app.Model")
    with the rule of the live model class returned by ``live`` (rows read through the
    migration's historical model, so later schema changes do not break it)."""

    def run(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        model = apps.get_model(label)
        rule = live()
        field = rule.search_key_field
        batch: list[Any] = []
        for obj in model._default_manager.using(schema_editor.connection.alias).iterator(
            chunk_size=2000
        ):
            key = compute_search_key(rule, obj)
            if getattr(obj, field) != key:
                setattr(obj, field, key)
                batch.append(obj)
            if len(batch) >= 2000:
                model._default_manager.bulk_update(batch, [field])
                batch = []
        if batch:
            model._default_manager.bulk_update(batch, [field])

    return run


def trigram_index(label: str, field: str, name: str) -> RunPython:
    """A migration operation adding a trigram GIN index on ``field`` of ``label`` on
    PostgreSQL (with the ``pg_trgm`` extension), and nothing on other databases."""

    def forwards(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        from django.contrib.postgres.indexes import GinIndex

        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.add_index(
            apps.get_model(label), GinIndex(fields=[field], name=name, opclasses=["gin_trgm_ops"])
        )

    def backwards(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")

    return RunPython(forwards, backwards, elidable=False)
