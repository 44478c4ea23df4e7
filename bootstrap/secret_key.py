"""The JWT signing key (DESIGN.md §7).

Production needs ``STOCKBOOK_SECRET_KEY`` (at least 32 bytes). In
development, when it is not set, a key is generated once and kept in a file
readable only by its owner — next to the SQLite database, or in the working
directory for another database — so tokens survive a restart.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from sqlalchemy.engine import make_url

from bootstrap.settings import ConfigurationError, Settings

MIN_SECRET_BYTES = 32
SECRET_FILE_SUFFIX = ".secret"


def secret_key_file(database_url: str) -> Path:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        database = Path(url.database)
        return database.with_name(database.name + SECRET_FILE_SUFFIX)
    return Path("stockbook" + SECRET_FILE_SUFFIX)


def resolve_secret_key(settings: Settings) -> str:
    if settings.secret_key is not None:
        key = settings.secret_key.get_secret_value()
        if len(key.encode()) < MIN_SECRET_BYTES:
            raise ConfigurationError(
                f"STOCKBOOK_SECRET_KEY: must be at least {MIN_SECRET_BYTES} bytes long"
            )
        return key
    if settings.is_production:
        raise ConfigurationError(
            "STOCKBOOK_SECRET_KEY: required when STOCKBOOK_ENV=production "
            f"(at least {MIN_SECRET_BYTES} bytes, e.g. from `openssl rand -hex 32`)"
        )
    return _development_key(secret_key_file(settings.database_url))


def _development_key(path: Path) -> str:
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    key = secrets.token_hex(MIN_SECRET_BYTES)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another worker wrote it first: use theirs
        return path.read_text().strip()
    with os.fdopen(descriptor, "w") as file:
        file.write(key)
    return key
