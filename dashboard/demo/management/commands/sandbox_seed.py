"""``manage.py sandbox_seed [--json]``: the demo organisation in the sandbox, and the dashboard's
demo login wired to it. Safe to run again: a second run changes nothing."""

from __future__ import annotations

import json

from django.conf import settings
from django.core.management.base import BaseCommand

from dashboard.demo.login import demo_password, wire_demo_login
from dashboard.sandbox import seed


class Command(BaseCommand):
    help = "Seed the sandbox upstream with a demo organisation and create the demo login."

    def add_arguments(self, parser):
        parser.add_argument(
            "--json",
            action="store_true",
            help="Print only the organisation (users, API keys, teams, demo login) as JSON.",
        )

    def handle(self, *args, **options):
        org = seed.seed()
        wire_demo_login(org)
        login = {
            "url": f"http://127.0.0.1:{settings.PORT}/accounts/login/",
            "username": seed.DEMO_LOGIN,
            "password": demo_password(org),
        }
        description = {**org.describe(), "dashboard_login": login}
        if options["json"]:
            self.stdout.write(json.dumps(description, indent=2))
            return
        self._summary(org, description, login)

    def _summary(self, org: seed.DemoOrg, description: dict, login: dict) -> None:
        state = "created" if org.created else "already present, unchanged"
        if org.rungen_added:
            state = "already present; its RunGen apps and jobs added"
        self.stdout.write(f"Sandbox demo organisation: {state}.")
        for user in description["users"]:
            teams = ", ".join(f"{t['name']} ({t['role']})" for t in user["teams"])
            self.stdout.write(
                f"  {user['username']:<7} {user['org_role']:<6} "
                f"key …{user['api_key'][-4:]}  teams: {teams or '-'}"
            )
        self.stdout.write("Full API keys and team ids: manage.py sandbox_seed --json")
        self.stdout.write("Dashboard demo login:")
        self.stdout.write(f"  URL:      {login['url']}")
        self.stdout.write(f"  Username: {login['username']}")
        self.stdout.write(f"  Password: {login['password']}")
