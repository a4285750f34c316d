"""The shop plugin's Alembic revisions."""
