"""Administration of people, organisation and relationships (admins; HR for relationships)."""
from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

# Each module adds its routes to `bp`.
from app.admin import accounts, records, reference_data, relationships, structure  # noqa: E402,F401
