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
        return _read_key(path)
    except FileNotFoundError:
        pass
    except OSError as error:
        raise _unusable(path, error.strerror or type(error).__name__) from None
    key = secrets.token_hex(MIN_SECRET_BYTES)
    # Written in full to a private file, then published under its name with a
    # link (atomic, and refused if another worker published first): nobody
    # ever reads a half-written key, and a crash leaves no empty key file.
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(key)
        try:
            os.link(temporary, path)
        except FileExistsError:  # another worker wrote it first: use theirs
            return _read_key(path)
    except OSError as error:
        raise _unusable(path, error.strerror or type(error).__name__) from None
    finally:
        temporary.unlink(missing_ok=True)
    return key


def _read_key(path: Path) -> str:
    key = path.read_text().strip()
    if len(key.encode()) < MIN_SECRET_BYTES:
        raise _unusable(path, f"it holds less than {MIN_SECRET_BYTES} bytes; delete it")
    return key


def _unusable(path: Path, reason: str) -> ConfigurationError:
    return ConfigurationError(
        f"STOCKBOOK_SECRET_KEY: not set, and the key file {path} cannot be used ({reason})"
    )
