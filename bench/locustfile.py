"""The roles' journeys for `bench.load`: each simulated user signs in once with its own account, then browses.

Run through `python -m bench.load`, which builds the database, writes the accounts file named by
WAYMARK_LOAD_ACCOUNTS and starts gunicorn; by hand:

    WAYMARK_LOAD_ACCOUNTS=accounts.json .venv/bin/locust -f bench/locustfile.py --headless -u 50 -r 10 -t 3m \\
        --host http://127.0.0.1:PORT

An error is any response that is not 2xx/3xx, or a page that fails its check (sent back to the login
page, a form that comes back with errors, a CSV without its heading).
"""
from __future__ import annotations

import datetime as dt
import html
import itertools
import json
import os
import random
import re
from typing import Any

from locust import HttpUser, between, task

ACCOUNTS: dict[str, Any] = json.loads(open(os.environ["WAYMARK_LOAD_ACCOUNTS"], encoding="utf-8").read())
PASSWORD: str = ACCOUNTS["password"]
#: Each role hands out its accounts in turn, so no two simulated users share a session.
_NEXT = {role: itertools.count() for role in ACCOUNTS["roles"]}
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def csrf(body: str) -> str | None:
    found = CSRF.search(body)
    return html.unescape(found.group(1) or found.group(2)) if found else None


class Staff(HttpUser):
    abstract = True
    role = ""
    #: Think time between pages; the figures are for this pace, not a flat-out request loop.
    wait_time = between(0.5, 2.0)

    def on_start(self) -> None:
        pool = ACCOUNTS["roles"][self.role]
        self.me: dict[str, Any] = pool[next(_NEXT[self.role]) % len(pool)]
        with self.client.get("/login", name="/login", catch_response=True) as page:
            token = csrf(page.text) if page.status_code == 200 else None
            if token is None:
                page.failure(f"GET /login gave {page.status_code} without a csrf_token")
                return
        with self.client.post("/login", name="/login (POST)", catch_response=True,
                              data={"csrf_token": token, "email": self.me["email"], "password": PASSWORD}) as done:
            if done.status_code >= 400 or done.url.rstrip("/").endswith("/login"):
                done.failure(f"signing in as {self.me['email']} failed ({done.status_code})")

    def page(self, path: str, name: str, *, expect: str | None = None) -> None:
        """GET a page; it fails unless 2xx/3xx, still signed in, and (if given) containing `expect`."""
        with self.client.get(path, name=name, catch_response=True) as r:
            if r.status_code >= 400:
                r.failure(f"HTTP {r.status_code}")
            elif "/login" in r.url:
                r.failure("sent back to the login page")
            elif expect is not None and expect not in r.text:
                r.failure(f"the page lacks {expect!r}")

    def someone(self, key: str) -> int:
        return int(random.choice(self.me[key]))


class Practitioner(Staff):
    role = "practitioner"
    weight = 6

    @task(3)
    def dashboard(self) -> None:
        self.page(f"/people/{self.me['id']}/dashboard", "/people/[me]/dashboard")

    @task(3)
    def cpd_list(self) -> None:
        self.page(f"/people/{self.me['id']}/cpd", "/people/[me]/cpd")

    @task(2)
    def supervision_list(self) -> None:
        self.page(f"/people/{self.me['id']}/supervision", "/people/[me]/supervision")

    @task(1)
    def add_cpd(self) -> None:
        new = f"/people/{self.me['id']}/cpd/new"
        with self.client.get(new, name="/people/[me]/cpd/new", catch_response=True) as form:
            token = csrf(form.text) if form.status_code == 200 else None
            if token is None:
                form.failure(f"HTTP {form.status_code} without a csrf_token")
                return
        data = {"csrf_token": token, "start_on": dt.date.today().isoformat(), "title": "Load-test workshop",
                "provider": "Bench", "category": "clinical", "hours": "1.5", "cbt": "yes", "cbt_skills": "no",
                "participatory": "no", "reflection_learned": "Pacing under load"}
        with self.client.post(new, data=data, name="/people/[me]/cpd/new (POST)", catch_response=True) as r:
            if r.status_code >= 400:
                r.failure(f"HTTP {r.status_code}")
            elif r.url.rstrip("/").endswith("/cpd/new") or "/login" in r.url:
                r.failure("the form came back (not saved)")


class Supervisor(Staff):
    role = "supervisor"
    weight = 2

    @task(3)
    def queue(self) -> None:
        self.page("/supervisor", "/supervisor")

    @task(2)
    def supervisee_dashboard(self) -> None:
        self.page(f"/people/{self.someone('people')}/dashboard", "/people/[supervisee]/dashboard")

    @task(1)
    def supervisee_supervision(self) -> None:
        self.page(f"/people/{self.someone('people')}/supervision", "/people/[supervisee]/supervision")


class LineManager(Staff):
    role = "line_manager"
    weight = 1

    @task(2)
    def team(self) -> None:
        self.page("/line-manager", "/line-manager")

    @task(1)
    def report_progression(self) -> None:
        self.page(f"/people/{self.someone('people')}/progression", "/people/[report]/progression")


class HR(Staff):
    role = "hr"
    weight = 1

    @task(3)
    def directory(self) -> None:
        self.page("/staff", "/staff")

    @task(1)
    def directory_page(self) -> None:
        self.page(f"/staff?page={random.randint(2, 10)}", "/staff?page=[n]")

    @task(2)
    def dashboard(self) -> None:
        self.page("/dashboard", "/dashboard")

    @task(2)
    def progression(self) -> None:
        self.page("/progression", "/progression")

    @task(1)
    def csv_export(self) -> None:
        self.page("/staff?format=csv", "/staff?format=csv", expect="Name")
