"""SQLite databases made before call records and group quotas: messages.callinfo (a call's outcome,
JSON), groups.creator, and the indexes on them and on profile pictures (made after 0002, which
rebuilds users). PostgreSQL has them from its first revision.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    if "callinfo" not in {r[1] for r in bind.exec_driver_sql("PRAGMA table_info(messages)")}:
        bind.exec_driver_sql("ALTER TABLE messages ADD COLUMN callinfo TEXT")
    if "creator" not in {r[1] for r in bind.exec_driver_sql("PRAGMA table_info(groups)")}:
        bind.exec_driver_sql("ALTER TABLE groups ADD COLUMN creator INTEGER NOT NULL DEFAULT 0")
    bind.exec_driver_sql("CREATE INDEX IF NOT EXISTS groups_creator ON groups(creator) WHERE creator != 0")
    bind.exec_driver_sql("CREATE INDEX IF NOT EXISTS users_picture ON users(picture) WHERE picture != ''")
