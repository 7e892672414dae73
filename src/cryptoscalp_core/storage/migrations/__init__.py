"""Alembic migration scripts of the store (run through :mod:`cryptoscalp_core.storage.migrate`).

To add one after changing ``storage/models.py``: migrate a scratch database to head, then call
``cryptoscalp_core.storage.migrate.autogenerate_revision(engine, "what changed")`` and edit the script it
writes into ``versions/``. Scripts use plain SQLAlchemy types (``sa.Text`` for decimals) so they stay
valid however the models evolve.
"""
