"""SQLite databases of the first release: users rebuilt with AUTOINCREMENT so that no uid is reused.

The sequence starts past every uid the database still names anywhere, a deleted user's included.
PostgreSQL's identity columns never reused a number: nothing to do there.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

USERS = """CREATE TABLE users(
  uid INTEGER PRIMARY KEY AUTOINCREMENT, app_id INTEGER NOT NULL, address TEXT NOT NULL,
  name TEXT NOT NULL DEFAULT '', status TEXT NOT NULL DEFAULT '', picture TEXT NOT NULL DEFAULT '',
  active INTEGER NOT NULL DEFAULT 1, lastseen INTEGER NOT NULL DEFAULT 0, created INTEGER NOT NULL,
  UNIQUE(app_id, address))"""


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    row = bind.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type='table' AND name='users'").fetchone()
    if row is None or "AUTOINCREMENT" in row[0].upper():
        return
    bind.exec_driver_sql("ALTER TABLE users RENAME TO users_before_autoincrement")
    bind.exec_driver_sql(USERS)
    bind.exec_driver_sql("INSERT INTO users SELECT * FROM users_before_autoincrement")
    bind.exec_driver_sql("DROP TABLE users_before_autoincrement")
    highest = bind.exec_driver_sql(
        "SELECT max(coalesce((SELECT max(uid) FROM users), 0), coalesce((SELECT max(sender) FROM messages), 0),"
        " coalesce((SELECT max(to_uid) FROM messages), 0), coalesce((SELECT max(uid) FROM events), 0),"
        " coalesce((SELECT max(uid) FROM tokens), 0), coalesce((SELECT max(uid) FROM members), 0))").scalar_one()
    bind.exec_driver_sql("DELETE FROM sqlite_sequence WHERE name='users'")
    bind.exec_driver_sql("INSERT INTO sqlite_sequence(name, seq) VALUES('users', ?)", (highest,))
