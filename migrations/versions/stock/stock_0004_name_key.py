"""Stock context: names are sorted and searched by a case-folded key.

``sort=name`` ordered by the bytes of the names (``Zoom`` before ``eBay``).
The key is ``str.casefold`` of the name, as ``contexts.stock.domain.stock.name_key``
makes it (written out here: a migration must not change with the code), filled
here for the stocks already registered. ``q`` searches it too: no function of
each row's name, and ``STRASSE`` finds ``Straße``.

Revision ID: stock_0004
Revises: stock_0003
Create Date: 2026-11-27 17:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "stock_0004"
down_revision: str | None = "stock_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_stocks = sa.table(
    "stock_stocks",
    sa.column("id", sa.Uuid()),
    sa.column("name", sa.String()),
    sa.column("name_key", sa.String()),
)


def upgrade() -> None:
    with op.batch_alter_table("stock_stocks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name_key", sa.String(length=600), nullable=True))
    connection = op.get_bind()
    names = connection.execute(sa.select(_stocks.c.id, _stocks.c.name)).all()
    if names:
        connection.execute(
            sa.update(_stocks)
            .where(_stocks.c.id == sa.bindparam("stock_id"))
            .values(name_key=sa.bindparam("key")),
            [{"stock_id": stock_id, "key": name.casefold()} for stock_id, name in names],
        )
    with op.batch_alter_table("stock_stocks", schema=None) as batch_op:
        batch_op.alter_column("name_key", existing_type=sa.String(length=600), nullable=False)
        batch_op.drop_index("ix_stock_stocks_name_id")
        batch_op.create_index("ix_stock_stocks_name_key_id", ["name_key", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("stock_stocks", schema=None) as batch_op:
        batch_op.drop_index("ix_stock_stocks_name_key_id")
        batch_op.create_index("ix_stock_stocks_name_id", ["name", "id"], unique=False)
        batch_op.drop_column("name_key")
