"""Running alembic programmatically: `stockbook migrate` and development start-up."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, MetaData
from sqlalchemy.engine import URL, make_url

import migrations
from bootstrap.settings import load_settings
from contexts.identity.infrastructure.tables import metadata as identity_metadata
from contexts.portfolio.infrastructure.tables import metadata as portfolio_metadata
from contexts.stock.infrastructure.tables import metadata as stock_metadata
from contexts.transaction.infrastructure.tables import metadata as transaction_metadata

MIGRATIONS_DIR = Path(migrations.__file__).parent
METADATA_BY_CONTEXT: dict[str, MetaData] = {
    "identity": identity_metadata,
    "stock": stock_metadata,
    "portfolio": portfolio_metadata,
    "transaction": transaction_metadata,
}
"""Each context's tables; its migrations live in ``versions/<context>/``."""
CONTEXTS = tuple(METADATA_BY_CONTEXT)
TARGET_METADATA: list[MetaData] = list(METADATA_BY_CONTEXT.values())


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option(
        "version_locations",
        " ".join(str(MIGRATIONS_DIR / "versions" / name) for name in CONTEXTS),
    )
    config.set_main_option("path_separator", "space")
    config.attributes["database_url"] = database_url
    return config


def database_url_for(config: Config) -> URL:
    url = config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url")
    if not url:
        url = load_settings().database_url
    return make_url(url)


def upgrade_to_heads(database_url: str) -> None:
    """Apply every context's migrations (blocking; run it in a thread from async code)."""
    command.upgrade(alembic_config(database_url), "heads")


def head_revisions() -> set[str]:
    return set(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


def current_revisions(connection: Connection) -> set[str]:
    return set(MigrationContext.configure(connection).get_current_heads())
