"""Batches written on a second thread while the file goes on being read.

The database driver releases the GIL while the server (or SQLite) works, so the writes of one
batch overlap with the reading and parsing of the next. The thread uses the file's own
connection, so its writes are part of the file's transaction (a refused file still writes
nothing). One batch at most is in flight: the reader waits for it before handing over the
next, and whenever it needs an answer from it (see ``pipeline``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import translation


class BackgroundWriter:
    """One writing thread sharing the current thread's connection (use as a context manager:
    on leaving, the batch in flight is waited for and the thread ended). With ``thread=False``
    each batch is written at once, on the calling thread (the same results, in the same
    order)."""

    def __init__(self, *, thread: bool = True) -> None:
        self.thread = thread
        self.connection = connections[DEFAULT_DB_ALIAS]
        self.pending: Future[Any] | None = None
        # Held from the hand-off of a batch until it is written: any query of the reading
        # thread meanwhile (an exchange rate read while parsing) waits for it, so it sees the
        # database as it would after the batch, and the connection serves one thread at a time.
        self.busy = threading.Lock()
        self.thread_id: int | None = None
        self.executor: ThreadPoolExecutor | None = None

    def __enter__(self) -> BackgroundWriter:
        if not self.thread:
            return self
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="iati-writer")
        self.connection.inc_thread_sharing()
        self.connection.execute_wrappers.append(self._serialised)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if not self.thread:
            self.pending = None
            return
        try:
            if self.pending is not None:
                # Leaving on an error: the batch is written (or fails) before the transaction
                # is rolled back; its own outcome no longer matters.
                try:
                    self.wait()
                except Exception:
                    if kind is None:
                        raise
        finally:
            assert self.executor is not None
            self.executor.shutdown(wait=True)
            self.connection.execute_wrappers.remove(self._serialised)
            self.connection.dec_thread_sharing()

    @property
    def in_flight(self) -> bool:
        return self.pending is not None

    def submit(self, write: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        """Start writing a batch (the previous one must have been waited for)."""
        assert self.pending is None
        if not self.thread:
            done: Future[Any] = Future()
            try:
                done.set_result(write(*args, **kwargs))
            except Exception as exc:
                done.set_exception(exc)
            self.pending = done
            return
        assert self.executor is not None
        language = translation.get_language()
        self.busy.acquire()
        try:
            self.pending = self.executor.submit(self._run, language, write, args, kwargs)
        except BaseException:
            self.busy.release()
            raise

    def wait(self) -> Any:
        """The result of the batch in flight (its exception is raised here)."""
        pending, self.pending = self.pending, None
        assert pending is not None
        return pending.result()

    def _run(
        self,
        language: str | None,
        write: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> Any:
        try:
            self.thread_id = threading.get_ident()
            connections[DEFAULT_DB_ALIAS] = self.connection
            # The report's words are in the reader's language, as they were on one thread.
            with translation.override(language):
                return write(*args, **kwargs)
        finally:
            self.busy.release()

    def _serialised(
        self, execute: Callable[..., Any], sql: Any, params: Any, many: bool, context: Any
    ) -> Any:
        if threading.get_ident() != self.thread_id:
            with self.busy:
                pass
        return execute(sql, params, many, context)
