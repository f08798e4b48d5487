"""Flask extensions created once and bound in the factory."""
from __future__ import annotations

from flask_login import LoginManager
from flask_wtf import CSRFProtect

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Sign in to continue"
login_manager.login_message_category = "info"
login_manager.session_protection = "strong"

csrf = CSRFProtect()
