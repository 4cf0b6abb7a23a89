"""Schema migrations for both stores (alembic, raw SQL per dialect); run by `hubbub db upgrade` and on open."""
