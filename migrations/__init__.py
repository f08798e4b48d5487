"""Alembic migrations; run them with `flask --app app db upgrade`, never with create_all()."""
