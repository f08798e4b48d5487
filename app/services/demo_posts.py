"""The demo Trust's establishment: a post for everyone with a staff profile, the South team in outer London, and vacancies.

Called after app.services.demo has created the people; only `flush()`, the caller commits.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal

from sqlalchemy import select

from sqlalchemy.orm import Session

from app.services.pay_steps import hcas_table
from competences import pay
from models import Post, Service, Team, User
from models.reference_data import catalogue_for

#: Post number prefixes by demo team name (app.services.demo's teams).
PREFIXES = {"Step 2 – North": "NS-STEP2", "Step 3 – North": "NS-STEP3", "Step 2/3 – South": "SS-STEP23"}
#: The team whose posts are in an outer-London HCAS zone, so the demo shows a supplement.
LONDON_TEAM = "Step 2/3 – South"
LONDON_ZONE = "outer-london"
#: Someone with no team (the service lead) holds a post in this team: a post always belongs to one.
HOME_TEAM = "Step 3 – North"
#: (team, title, band, funded WTE) of the posts nobody holds.
VACANCIES = (
    ("Step 2 – North", "Psychological wellbeing practitioner", "5", "1.00"),
    ("Step 3 – North", "High intensity CBT therapist", "7", "1.00"),
    ("Step 2/3 – South", "Trainee psychological wellbeing practitioner", "4", "0.50"),
)


def load_demo_posts(session: Session, users: Mapping[str, User], *, today: dt.date) -> list[Post]:
    """A post for every demo person with a profile (set as their post), plus the vacant ones; returns them all."""
    people = [u for u in users.values() if u.profile is not None]
    if not people:
        return []
    organisation_id = people[0].organisation_id
    teams = {t.name: t for t in session.scalars(select(Team).join(Service).where(
        Service.organisation_id == organisation_id).order_by(Team.name))}
    zone_ids = {z.id for z in hcas_table(catalogue_for(session), today).zones}
    london = LONDON_ZONE if LONDON_ZONE in zone_ids else pay.NO_ZONE
    counters: dict[str, int] = {}
    created: list[Post] = []

    def add(team: Team, title: str, band: str, wte: str) -> Post:
        prefix = PREFIXES.get(team.name, f"NS-T{team.id}")
        counters[prefix] = counters.get(prefix, 0) + 1
        post = Post(organisation_id=organisation_id, number=f"{prefix}-{counters[prefix]:03d}", title=title,
                    team_id=team.id, band=band, funded_wte=Decimal(wte),
                    hcas_zone=london if team.name == LONDON_TEAM else pay.NO_ZONE)
        session.add(post)
        created.append(post)
        return post

    fallback = teams.get(HOME_TEAM) or next(iter(teams.values()))
    for user in sorted(people, key=lambda u: u.id):
        profile = user.profile
        assert profile is not None
        if profile.band is None:
            continue
        post = add(profile.team or fallback, profile.job_title, profile.band, "1.00")
        session.flush()
        profile.post_id = post.id
    for team_name, title, band, wte in VACANCIES:
        if team_name in teams:
            add(teams[team_name], title, band, wte)
    session.flush()
    return created


__all__ = ["load_demo_posts"]
