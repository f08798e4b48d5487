"""The `waymark` command line: migrations, accounts, the demo and the audit check."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import func, select, text

from app.services import accounts
from app.services.demo import DEMO_PASSWORD
from models import AuditEvent, Organisation, Role, Service, User, schema
from tests.factories import TEST_SETTINGS, make_organisation, make_user
from tests.models.test_audit import tamper

PASSWORD = "a long enough password"


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()

    def invoke(*args):
        return runner.invoke(args=list(args))

    return invoke


@pytest.fixture
def fresh(app):
    """A new session for reading what a command committed."""
    s = app.extensions["waymark.sessions"]()
    yield s
    s.close()


def _head_revision(engine):
    cfg = schema.alembic_config(engine.url.render_as_string(hide_password=False))
    return ScriptDirectory.from_config(cfg).get_current_head()


def _failed_cleanly(result):
    assert result.exit_code != 0
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output


# --- db -----------------------------------------------------------------------------------------

def test_db_current_shows_the_head_revision(cli, engine):
    result = cli("db", "current")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == _head_revision(engine)


def test_db_check_says_models_and_migrations_agree(cli):
    result = cli("db", "check")
    assert result.exit_code == 0, result.output
    assert "Models and migrations agree" in result.output


def test_db_upgrade_on_a_migrated_database_changes_nothing(cli, engine):
    result = cli("db", "upgrade")
    assert result.exit_code == 0, result.output
    assert f"Database at revision {_head_revision(engine)}" in result.output


def test_db_upgrade_to_an_unknown_revision_fails_without_a_traceback(cli):
    result = cli("db", "upgrade", "nonesuch")
    _failed_cleanly(result)
    assert "nonesuch" in result.output


# --- users --------------------------------------------------------------------------------------

def test_users_create_makes_an_account_with_both_roles_and_a_working_password(cli, session, fresh):
    org = make_organisation(session, name="Northshire Healthcare NHS Foundation Trust")
    session.commit()
    result = cli("users", "create", "--email", "Nadia.Karim@Northshire.example", "--name", "Nadia Karim",
                 "--role", "practitioner", "--role", "supervisor", "--password", PASSWORD)
    assert result.exit_code == 0, result.output
    assert "Created nadia.karim@northshire.example (practitioner, supervisor)" in result.output
    user = fresh.scalar(select(User).where(User.email == "nadia.karim@northshire.example"))
    assert user.roles == {Role.PRACTITIONER, Role.SUPERVISOR}
    assert user.organisation_id == org.id
    assert accounts.authenticate(fresh, user.email, PASSWORD, TEST_SETTINGS).id == user.id


def test_users_create_refuses_a_duplicate_email_with_a_clear_message(cli, session, fresh):
    make_user(session, email="taken@northshire.example")
    session.commit()
    result = cli("users", "create", "--email", "TAKEN@northshire.example", "--name", "Someone Else",
                 "--role", "practitioner", "--password", PASSWORD)
    _failed_cleanly(result)
    assert "An account with this e-mail address already exists" in result.output
    assert fresh.scalar(select(func.count()).select_from(User)) == 1


def test_users_create_refuses_a_short_password(cli, session):
    make_organisation(session)
    session.commit()
    result = cli("users", "create", "--email", "x@northshire.example", "--name", "X", "--password", "short")
    _failed_cleanly(result)
    assert "12 characters or more" in result.output


def test_users_create_without_any_organisation_asks_for_one(cli, fresh):
    result = cli("users", "create", "--email", "first@northshire.example", "--name", "First Person",
                 "--role", "admin", "--password", PASSWORD)
    _failed_cleanly(result)
    assert "--organisation" in result.output
    assert fresh.scalar(select(func.count()).select_from(User)) == 0


def test_users_create_with_several_organisations_asks_which(cli, session, fresh):
    make_organisation(session)
    make_organisation(session)
    session.commit()
    result = cli("users", "create", "--email", "first@northshire.example", "--name", "First Person",
                 "--password", PASSWORD)
    _failed_cleanly(result)
    assert "several organisations" in result.output
    assert fresh.scalar(select(func.count()).select_from(User)) == 0


def test_users_create_with_a_new_organisation_name_creates_it(cli, fresh):
    result = cli("users", "create", "--email", "first@northshire.example", "--name", "First Person",
                 "--role", "admin", "--organisation", "Northshire Healthcare NHS Foundation Trust",
                 "--password", PASSWORD)
    assert result.exit_code == 0, result.output
    user = fresh.scalar(select(User))
    assert user.organisation.name == "Northshire Healthcare NHS Foundation Trust"
    assert user.roles == {Role.ADMIN}


def test_users_create_with_an_unknown_service_fails_and_creates_nothing(cli, fresh):
    result = cli("users", "create", "--email", "lead@northshire.example", "--name", "Service Lead",
                 "--role", "service_lead", "--organisation", "New Trust", "--service", "Nowhere",
                 "--password", PASSWORD)
    _failed_cleanly(result)
    assert "No service called 'Nowhere' in New Trust" in result.output
    assert fresh.scalar(select(func.count()).select_from(Organisation)) == 0
    assert fresh.scalar(select(func.count()).select_from(User)) == 0


def test_users_create_a_service_lead_for_a_named_service(cli, session, fresh):
    org = make_organisation(session, name="Northshire Trust")
    session.add(Service(organisation=org, name="Northshire Talking Therapies"))
    session.commit()
    result = cli("users", "create", "--email", "lead@northshire.example", "--name", "Service Lead",
                 "--role", "service_lead", "--service", "Northshire Talking Therapies", "--password", PASSWORD)
    assert result.exit_code == 0, result.output
    user = fresh.scalar(select(User))
    assert user.grants_for(Role.SERVICE_LEAD)[0].service.name == "Northshire Talking Therapies"


def test_users_create_a_service_lead_without_a_service_fails_cleanly(cli, session):
    make_organisation(session)
    session.commit()
    result = cli("users", "create", "--email", "lead@northshire.example", "--name", "Service Lead",
                 "--role", "service_lead", "--password", PASSWORD)
    _failed_cleanly(result)
    assert "Choose the service this person leads" in result.output


def test_users_create_rejects_an_unknown_role(cli):
    result = cli("users", "create", "--email", "x@northshire.example", "--name", "X", "--role", "wizard",
                 "--password", PASSWORD)
    assert result.exit_code == 2
    assert "wizard" in result.output


# --- demo ---------------------------------------------------------------------------------------

def test_demo_prints_one_login_line_per_account(cli, fresh):
    result = cli("demo")
    assert result.exit_code == 0, result.output
    users = {u.email: u for u in fresh.scalars(select(User))}
    lines = [line for line in result.output.splitlines() if "@" in line]
    assert len(lines) == len(users) >= 14
    for line in lines:
        email, password, roles = line.split("  ")
        assert password == DEMO_PASSWORD
        assert sorted(roles.split(", ")) == sorted(r.label for r in users[email].roles)


def test_demo_refuses_a_second_load_but_if_empty_exits_quietly(cli, fresh):
    assert cli("demo").exit_code == 0
    count = fresh.scalar(select(func.count()).select_from(User))
    again = cli("demo")
    _failed_cleanly(again)
    assert "already has accounts" in again.output
    quiet = cli("demo", "--if-empty")
    assert quiet.exit_code == 0, quiet.output
    assert "demo not loaded" in quiet.output
    assert fresh.scalar(select(func.count()).select_from(User)) == count
    # `make run` runs this on every start, so the demo sign-ins are printed again.
    login_lines = [line for line in quiet.output.splitlines() if line.startswith(tuple("abcdefghijklmnopqrstuvwxyz"))
                   and DEMO_PASSWORD in line]
    assert len(login_lines) == count


def test_demo_if_empty_loads_into_an_empty_database(cli, fresh):
    result = cli("demo", "--if-empty")
    assert result.exit_code == 0, result.output
    assert fresh.scalar(select(func.count()).select_from(User)) >= 14


# --- audit --------------------------------------------------------------------------------------

def test_audit_verify_reports_an_intact_trail_with_its_event_count(cli, fresh):
    assert cli("demo").exit_code == 0
    events = fresh.scalar(select(func.count()).select_from(AuditEvent))
    result = cli("audit", "verify")
    assert result.exit_code == 0, result.output
    assert f"Audit trail intact: {events} events verified." in result.output


def test_audit_verify_on_an_empty_trail_is_intact(cli):
    result = cli("audit", "verify")
    assert result.exit_code == 0, result.output
    assert "intact: 0 events" in result.output


def test_audit_verify_names_the_altered_event(cli, engine):
    assert cli("demo").exit_code == 0
    tamper(engine, "UPDATE audit_events SET object_id = '999' WHERE seq = 7")
    result = cli("audit", "verify")
    _failed_cleanly(result)
    assert "broken at event 7" in result.output
    assert "6 events before it verified" in result.output


def test_audit_verify_names_a_removed_event(cli, engine):
    assert cli("demo").exit_code == 0
    tamper(engine, "DELETE FROM audit_events WHERE seq = 12")
    result = cli("audit", "verify")
    _failed_cleanly(result)
    assert "broken at event 13" in result.output
    assert "expected event 12" in result.output


# --- the installed console script ---------------------------------------------------------------

def _waymark() -> str:
    found = shutil.which("waymark") or str(Path(sys.executable).parent / "waymark")
    assert Path(found).exists(), "the waymark console script is not installed (pip install -e .)"
    return found


def _run(tmp_path, *args, **env):
    clean = {k: v for k, v in os.environ.items()
             if k not in {"SECRET_KEY", "WAYMARK_ENV", "DATABASE_URL", "ARGON2_PROFILE", "FLASK_APP"}}
    return subprocess.run([_waymark(), *args], env={**clean, **env}, cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)


def test_the_console_script_reports_a_bad_database_url_without_a_traceback(tmp_path):
    result = _run(tmp_path, "db", "current", DATABASE_URL="not a url")
    assert result.returncode == 2, result.stderr
    assert "Configuration error" in result.stderr
    assert "DATABASE_URL" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_the_console_script_refuses_production_without_a_secret_key(tmp_path):
    result = _run(tmp_path, "db", "current", WAYMARK_ENV="production",
                  DATABASE_URL=f"sqlite:///{tmp_path / 'w.db'}")
    assert result.returncode == 2, result.stderr
    assert "Configuration error" in result.stderr and "SECRET_KEY" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_the_console_script_migrates_a_new_database_and_checks_it(tmp_path):
    url = f"sqlite:///{tmp_path / 'w.db'}"
    upgrade = _run(tmp_path, "db", "upgrade", DATABASE_URL=url)
    assert upgrade.returncode == 0, upgrade.stderr
    check = _run(tmp_path, "db", "check", DATABASE_URL=url)
    assert check.returncode == 0, check.stderr
    assert "Models and migrations agree" in check.stdout


def test_users_create_refuses_an_unknown_organisation_when_one_exists(cli, session, fresh):
    make_organisation(session, name="Northshire Trust")
    session.commit()
    result = cli("users", "create", "--email", "typo@northshire.example", "--name", "Typo Person",
                 "--role", "practitioner", "--organisation", "Northshir Trust", "--password", PASSWORD)
    _failed_cleanly(result)
    assert "No organisation called 'Northshir Trust'" in result.output and "Northshire Trust" in result.output
    assert fresh.scalar(select(func.count()).select_from(User)) == 0


@pytest.mark.parametrize("command", [("demo",), ("demo", "--if-empty"), ("synthetic", "--staff", "3", "--years", "1")])
def test_demo_and_synthetic_data_are_refused_in_production(cli, fresh, app, command):
    app.config["ENV_NAME"] = "production"
    result = cli(*command)
    _failed_cleanly(result)
    assert "refused when WAYMARK_ENV=production" in result.output
    assert fresh.scalar(select(func.count()).select_from(User)) == 0


def test_synthetic_data_leaves_planner_statistics_behind(cli, fresh, engine):
    result = cli("synthetic", "--staff", "3", "--years", "1", "--password", PASSWORD)
    assert result.exit_code == 0, result.output
    if engine.dialect.name == "sqlite":
        analysed = fresh.execute(text("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'users'")).scalar()
    else:
        analysed = fresh.execute(text("SELECT count(*) FROM pg_stat_user_tables "
                                      "WHERE relname = 'users' AND last_analyze IS NOT NULL")).scalar()
    assert analysed
