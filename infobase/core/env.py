"""Small typed readers for settings that come from the environment (healthchecks style)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {value!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_url(name: str, default: str) -> str:
    """An absolute http(s) address without a trailing slash, e.g. ``https://infobase.example``."""
    from urllib.parse import urlsplit

    value = (os.environ.get(name) or default).strip().rstrip("/")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{name} must be an http(s) address such as https://host, not {value!r}")
    return value


def proxy_ssl_header(name: str) -> tuple[str, str] | None:
    """A ``HEADER,value`` pair such as ``HTTP_X_FORWARDED_PROTO,https``, or None when unset."""
    parts = env_list(name, [])
    if not parts:
        return None
    if len(parts) != 2:
        raise ValueError(f"{name} must be HEADER,value (e.g. HTTP_X_FORWARDED_PROTO,https)")
    return (parts[0], parts[1])


def secret_key(var_dir: Path) -> str:
    """The key from SECRET_KEY, or one generated once into ``var/secret_key``.

    The generated file lives under ``var/`` (git-ignored) so that sessions survive restarts
    on a laptop without a key ever being committed.
    """
    from_env = os.environ.get("SECRET_KEY")
    if from_env:
        return from_env
    path = var_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    path.write_text(key)
    path.chmod(0o600)
    return key
