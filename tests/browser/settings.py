"""Settings of the browser suite's server: production settings with a fast password hasher."""

from infobase.settings import *  # noqa: F403

# Personas sign in through the real form; the production hasher costs most of a second each.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
