"""Forms for the organisation, its services and teams; naming rules live in app.services.organisation.

Pages that show two forms give their fields different names (`name` and `team_name`) so that
ids stay unique on the page.
"""
from __future__ import annotations

from app.forms import WaymarkForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length, Optional


class OrganisationForm(WaymarkForm):
    name = StringField("Organisation name", validators=[
        DataRequired("Enter the organisation name"),
        Length(max=120, message="The organisation name must be 120 characters or fewer")])
    ods_code = StringField("ODS code", validators=[
        Optional(), Length(max=10, message="The ODS code must be 10 characters or fewer")])


class AddServiceForm(WaymarkForm):
    service_name = StringField("Service name", validators=[
        DataRequired("Enter the service name"),
        Length(max=120, message="The service name must be 120 characters or fewer")])


class ServiceForm(WaymarkForm):
    name = StringField("Service name", validators=[
        DataRequired("Enter the service name"),
        Length(max=120, message="The service name must be 120 characters or fewer")])


class AddTeamForm(WaymarkForm):
    team_name = StringField("Team name", validators=[
        DataRequired("Enter the team name"),
        Length(max=120, message="The team name must be 120 characters or fewer")])


class TeamForm(WaymarkForm):
    name = StringField("Team name", validators=[
        DataRequired("Enter the team name"),
        Length(max=120, message="The team name must be 120 characters or fewer")])
