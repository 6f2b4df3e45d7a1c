"""Alembic's environment for the campaign database: runs the migrations on the connection that
`captainred.campaign.revisions` hands over in `config.attributes['connection']`, inside the transaction that
connection is already in, so an upgrade is committed whole or not at all."""

from alembic import context
from sqlalchemy.engine import Connection

from captainred.campaign.schema import Base

connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise RuntimeError("the campaign migrations run only through captainred.campaign.revisions (no connection given)")

context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
