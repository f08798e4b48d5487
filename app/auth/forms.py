"""Forms for signing in and setting passwords; the rules themselves live in app.services.accounts."""
from __future__ import annotations

from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Email, Length

from app.forms import WaymarkForm


def _strip(value: str | None) -> str | None:
    """Pasted or autofilled addresses often carry spaces; the Email check would reject them."""
    return value.strip() if isinstance(value, str) else value


class LoginForm(WaymarkForm):
    email = EmailField("E-mail address", filters=[_strip], validators=[
        DataRequired("Enter your e-mail address"),
        Email("Enter an e-mail address in the correct format, like name@nhs.net"), Length(max=255)])
    password = PasswordField("Password", validators=[DataRequired("Enter your password"), Length(max=200)])


class ChangePasswordForm(WaymarkForm):
    current_password = PasswordField("Current password", validators=[DataRequired("Enter your current password")])
    new_password = PasswordField("New password", validators=[DataRequired("Enter a new password"), Length(max=200)])
    confirm_password = PasswordField("Confirm new password", validators=[DataRequired("Confirm your new password")])


class ForgotPasswordForm(WaymarkForm):
    email = EmailField("E-mail address", filters=[_strip], validators=[
        DataRequired("Enter your e-mail address"),
        Email("Enter an e-mail address in the correct format, like name@nhs.net"), Length(max=255)])


class ResetPasswordForm(WaymarkForm):
    new_password = PasswordField("New password", validators=[DataRequired("Enter a new password"), Length(max=200)])
    confirm_password = PasswordField("Confirm new password", validators=[DataRequired("Confirm your new password")])
