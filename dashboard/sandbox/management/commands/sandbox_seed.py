"""``manage.py sandbox_seed [--json]``: the demo organisation in the sandbox, and the dashboard's
demo login wired to it. Safe to run again: a second run changes nothing."""

from __future__ import annotations

import json

from django.conf import settings
from django.core.management.base import BaseCommand

from dashboard.sandbox import seed

try:
    from dashboard.accounts.demo import provision_demo_login
except ImportError:  # the accounts app may not offer it (yet); the sandbox seeds regardless
    provision_demo_login = None


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
        demo = org.users[seed.DEMO_LOGIN]
        login = {
            "url": f"http://127.0.0.1:{settings.PORT}/accounts/login/",
            "username": seed.DEMO_LOGIN,
            "password": org.password,
        }
        if provision_demo_login is not None:
            provision_demo_login(
                username=seed.DEMO_LOGIN,
                password=org.password,
                api_key=org.api_key(seed.DEMO_LOGIN),
                upstream_user_id=str(demo.pk),
                personal_team_id=str(seed.services.personal_team(demo).pk),
                teams=seed.demo_memberships(org),
            )
        description = {**org.describe(), "dashboard_login": login}
        if options["json"]:
            self.stdout.write(json.dumps(description, indent=2))
            return
        self._summary(org, description, login)

    def _summary(self, org: seed.DemoOrg, description: dict, login: dict) -> None:
        state = "created" if org.created else "already present, unchanged"
        self.stdout.write(f"Sandbox demo organisation: {state}.")
        for user in description["users"]:
            teams = ", ".join(f"{t['name']} ({t['role']})" for t in user["teams"])
            self.stdout.write(
                f"  {user['username']:<7} {user['org_role']:<6} "
                f"key …{user['api_key'][-4:]}  teams: {teams or '-'}"
            )
        self.stdout.write("Full API keys and team ids: manage.py sandbox_seed --json")
        if provision_demo_login is None:
            self.stdout.write(self.style.WARNING("The dashboard demo login was not created."))
            return
        self.stdout.write("Dashboard demo login:")
        self.stdout.write(f"  URL:      {login['url']}")
        self.stdout.write(f"  Username: {login['username']}")
        self.stdout.write(f"  Password: {login['password']}")
