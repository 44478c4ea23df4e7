"""Alembic migrations: one branch per context under versions/<context>/."""
