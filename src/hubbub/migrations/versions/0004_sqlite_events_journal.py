"""SQLite: the event logs become one append-only journal (a rowid table) with each user's log as an
index on (uid, seq), instead of a table clustered by (uid, seq).

Clustered by user, every commit wrote one table page per user log it touched, and the B-tree kept
rebalancing the page where a user's newest rows meet the next user's oldest: 2.5 WAL pages per
appended event. In a rowid table new rows go to the right edge, shared by every user of the commit,
and the per-user index pages hold small entries (docs/architecture.md, "the event journal").
PostgreSQL's heap tables have been laid out this way from the first revision: nothing to do there.

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

EVENTS = """CREATE TABLE events(
  id INTEGER PRIMARY KEY, uid INTEGER NOT NULL, seq INTEGER NOT NULL, body TEXT NOT NULL, mid INTEGER,
  state INTEGER, deadline INTEGER)"""
INDEXES = [
    "CREATE UNIQUE INDEX events_log ON events(uid, seq)",
    "CREATE INDEX events_mid ON events(mid, uid) WHERE mid IS NOT NULL",
    "CREATE INDEX events_due ON events(deadline, uid, seq) WHERE state = 0",  # `due` pages in this order
]


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    row = bind.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type='table' AND name='events'").fetchone()
    if row is None or "WITHOUT ROWID" not in row[0].upper():
        return
    bind.exec_driver_sql("ALTER TABLE events RENAME TO events_clustered")
    bind.exec_driver_sql("DROP INDEX IF EXISTS events_mid")
    bind.exec_driver_sql("DROP INDEX IF EXISTS events_due")
    bind.exec_driver_sql(EVENTS)
    bind.exec_driver_sql("INSERT INTO events(uid, seq, body, mid, state, deadline) "
                         "SELECT uid, seq, body, mid, state, deadline FROM events_clustered ORDER BY uid, seq")
    bind.exec_driver_sql("DROP TABLE events_clustered")
    for sql in INDEXES:
        bind.exec_driver_sql(sql)
