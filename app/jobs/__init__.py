"""Long work as jobs: where they run (app.jobs.runner) and the pages that follow them (app.jobs.views)."""
from flask import Blueprint

bp = Blueprint("jobs", __name__, url_prefix="/jobs")

from app.jobs import views  # noqa: E402,F401
