"""The production web server: gunicorn in front of Infobase's WSGI application."""

from __future__ import annotations

import os
import sys


def default_workers(*, cpus: int | None = None) -> int:
    """gunicorn's rule of thumb, 2 × cores + 1, capped so a large machine does not open more
    database connections than a default PostgreSQL accepts (100) across a few hosts."""
    cores = cpus if cpus is not None else (os.cpu_count() or 1)
    return max(2, min(2 * cores + 1, 12))


def gunicorn_argv(
    *, bind: str, workers: int, threads: int, timeout: int, max_requests: int = 2000
) -> list[str]:
    """The command line that runs Infobase under gunicorn with this interpreter."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "infobase.wsgi:application",
        "--bind",
        bind,
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        # Threads make a worker "gthread": one slow report download does not block the rest.
        "--worker-class",
        "gthread" if threads > 1 else "sync",
        "--timeout",
        str(timeout),
        "--graceful-timeout",
        "30",
        # Recycle workers now and then so a slow leak in a library never grows without bound.
        "--max-requests",
        str(max_requests),
        "--max-requests-jitter",
        str(max_requests // 10),
        "--access-logfile",
        "-",
        "--forwarded-allow-ips",
        os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
    ]
