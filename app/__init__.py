"""The Waymark web application: `create_app()` builds it; `flask --app app` finds it."""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from jinja2 import ChainableUndefined, ChoiceLoader, FileSystemLoader, PackageLoader

from app.config import load_config
from app.templating import ProcessBytecodeCache


def create_app(config: Mapping[str, Any] | None = None, *, instance_path: str | Path | None = None) -> Flask:
    kwargs: dict[str, Any] = {"instance_relative_config": True}
    if instance_path is not None:
        kwargs["instance_path"] = str(Path(instance_path).resolve())
    app = Flask(__name__, **kwargs)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(load_config(app.instance_path, overrides=config))
    app.jinja_options = {
        # The NHS.UK macros need ChainableUndefined, and autoescape must cover their .jinja files too.
        "undefined": ChainableUndefined,
        "autoescape": True,
        "loader": ChoiceLoader([FileSystemLoader(Path(app.root_path) / "templates"),
                                PackageLoader("nhsuk_frontend_jinja")]),
        "bytecode_cache": ProcessBytecodeCache(),
        "trim_blocks": True,
        "lstrip_blocks": True,
    }

    from app import assets, auth, cli, database, errors, health, home, people, security, templating
    from app.admin import bp as admin_bp
    from app.portfolio import bp as portfolio_bp
    from app.outside import bp as outside_bp
    from app.staff import bp as staff_bp
    from app.jobs import bp as jobs_bp
    from app.verify import bp as verify_bp
    from app.documents import bp as documents_bp
    from app.leavers import bp as leavers_bp
    from app.extensions import csrf, login_manager

    database.init_app(app)
    login_manager.init_app(app)
    csrf.init_app(app)
    security.init_app(app)
    templating.init_app(app)
    errors.init_app(app)
    cli.init_app(app)
    for bp in (assets.bp, health.bp, auth.bp, home.bp, people.bp, admin_bp, portfolio_bp, outside_bp, staff_bp,
               jobs_bp, verify_bp, documents_bp, leavers_bp):
        app.register_blueprint(bp)
    return app
