"""The users of bench/load.py (run by it; not on its own).

Caseworkers browse lists, searches and details; the leader also watches the
dashboard. Each user has a session made by bench/load.py and asks for the
trivial `/helse/` as often as for a typical page, so that its p95 is
measured under the same load. Any answer but 200 counts as a failure.
"""

from __future__ import annotations

import itertools
import json
import os
import random
from pathlib import Path

from locust import FastHttpUser, between, task

PLAN = json.loads(Path(os.environ["LOAD_PLAN"]).read_text())
WAIT = between(float(os.environ.get("LOAD_WAIT_MIN", "1")), float(os.environ.get("LOAD_WAIT_MAX", "2")))
_caseworker_sessions = itertools.cycle(PLAN["caseworker_sessions"])
_leader_sessions = itertools.cycle(PLAN["leader_sessions"])


class OfficeUser(FastHttpUser):
    abstract = True
    wait_time = WAIT
    sessions = _caseworker_sessions

    def on_start(self) -> None:
        self.headers = {"Cookie": f"sessionid={next(self.sessions)}"}

    def page(self, url: str, name: str) -> None:
        with self.client.get(
            url, name=name, headers=self.headers, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")

    @task(2)
    def health(self) -> None:
        self.page("/helse/", "/helse/")


class Caseworker(OfficeUser):
    weight = 4

    @task(1)
    def home(self) -> None:
        self.page("/", "/ (start)")

    @task(3)
    def household_list(self) -> None:
        page = random.choice(["", "?page=2", "?sort=-botid", "?stage=summoned", "?arrears=yes"])
        self.page(f"/husstander/{page}", "/husstander/ (list)")

    @task(2)
    def household_search(self) -> None:
        self.page(f"/husstander/?q={random.choice(PLAN['searches'])}", "/husstander/?q= (search)")

    @task(4)
    def household_detail(self) -> None:
        self.page(f"/husstander/{random.choice(PLAN['households'])}/", "/husstander/[id]/")

    @task(1)
    def candidates(self) -> None:
        self.page("/husstander/kandidater/", "/husstander/kandidater/")

    @task(1)
    def board(self) -> None:
        self.page("/husstander/lopet/", "/husstander/lopet/")

    @task(1)
    def meetings(self) -> None:
        self.page("/husstander/samtaler/", "/husstander/samtaler/")

    @task(2)
    def dwelling_list(self) -> None:
        page = random.choice(["", "?side=3", "?status=vacant", "?q=storgata"])
        self.page(f"/boliger/{page}", "/boliger/ (list)")

    @task(2)
    def dwelling_detail(self) -> None:
        self.page(f"/boliger/{random.choice(PLAN['dwellings'])}/", "/boliger/[id]/")

    @task(1)
    def vacancies(self) -> None:
        self.page("/boliger/ledige/", "/boliger/ledige/")

    @task(1)
    def applications(self) -> None:
        self.page("/startlan/", "/startlan/ (list)")

    @task(1)
    def application_detail(self) -> None:
        if PLAN["applications"]:
            self.page(f"/startlan/{random.choice(PLAN['applications'])}/", "/startlan/[id]/")


class Leader(OfficeUser):
    weight = 1
    sessions = _leader_sessions

    @task(3)
    def dashboard(self) -> None:
        self.page("/rapporter/", "/rapporter/ (dashboard)")

    @task(1)
    def household_list(self) -> None:
        self.page("/husstander/", "/husstander/ (list)")

    @task(1)
    def household_detail(self) -> None:
        self.page(f"/husstander/{random.choice(PLAN['households'])}/", "/husstander/[id]/")
