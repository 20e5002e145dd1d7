"""The demo organisation: users, teams with roles, resources of every kind, personal threads.

The content is fixed; ids and keys are random per database. The demo API keys and the dashboard
demo password are not stored anywhere: they are derived (HMAC-SHA256) from a random secret
kept in :class:`SandboxSecret`, so every run of the seed can print the same keys again while
the database holds only their hashes. Seeding is one transaction and happens once: later runs
find the organisation and only describe it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import timedelta
from itertools import cycle

from django.db import transaction
from django.utils import timezone

from dashboard.sandbox import services
from dashboard.sandbox.models import (
    SandboxMembership,
    SandboxSecret,
    SandboxTeam,
    SandboxUser,
)

SECRET_NAME = "demo-seed"
PASSWORD_LABEL = "dashboard-demo-password"
DEMO_LOGIN = "demo"

USERS = (("olivia", "Owner"), ("adam", "Member"), ("chloe", "Member"), ("demo", "Member"))
TEAMS = (
    (
        "Research",
        (("olivia", "Admin"), ("demo", "Admin"), ("chloe", "Creator"), ("adam", "Creator")),
    ),
    ("Support bots", (("adam", "Admin"), ("chloe", "Creator"), ("demo", "Creator"))),
    ("Platform", (("adam", "Admin"), ("olivia", "Creator"), ("demo", "Creator"))),
)
RESEARCH_FILES = 132  # more than one page of 100, so paging is exercised


# --- Derived secrets ------------------------------------------------------------------------
def _secret() -> str:
    row, _ = SandboxSecret.objects.get_or_create(
        name=SECRET_NAME, defaults={"value": secrets.token_hex(32)}
    )
    return row.value


def _derive(secret: str, label: str) -> bytes:
    return hmac.new(secret.encode(), label.encode(), hashlib.sha256).digest()


def demo_key(secret: str, username: str) -> str:
    return "sk-sbx-" + _derive(secret, username).hex()[:40]


def demo_password(secret: str) -> str:
    return base64.urlsafe_b64encode(_derive(secret, PASSWORD_LABEL)).decode()[:16]


# --- Building the organisation ----------------------------------------------------------------
class _Builder:
    """Creates the demo content; ``ago(hours)`` spreads it over the past weeks."""

    def __init__(self, users: dict[str, SandboxUser], teams: dict[str, SandboxTeam]):
        self.users = users
        self.teams = teams
        self.now = timezone.now()

    def ago(self, hours: float):
        return self.now - timedelta(hours=hours)

    def files(self, team: str, names: list[tuple[str, str]], creators: list[str], start: float):
        makers = cycle(creators)
        return [
            services.create_file(
                self.teams[team],
                self.users[next(makers)],
                filename=name,
                purpose=purpose,
                content=_content(name, index),
                created_at=self.ago(start + index * 3),
            )
            for index, (name, purpose) in enumerate(names)
        ]

    def research(self) -> None:
        team, u = self.teams["Research"], self.users
        names = [
            (f"papers-{i:03d}.md", "alignment")
            if i % 4 == 0
            else (f"corpus-{i:03d}.jsonl", "fine-tune")
            for i in range(RESEARCH_FILES)
        ]
        files = self.files("Research", names, ["olivia", "chloe", "demo", "adam"], 2)
        summaries = services.create_project(
            team,
            u["olivia"],
            name="Clinical summaries",
            runs=4,
            runs_deployed=1,
            description="Fine-tunes that summarise clinical notes.",
            created_at=self.ago(600),
        )
        services.create_project(
            team,
            u["chloe"],
            name="Retrieval tuning",
            runs=1,
            description="Embedding and retrieval experiments.",
            created_at=self.ago(500),
        )
        jobs = [
            ("running", "summaries-v4", "olivia", 3),
            ("queued", "summaries-v5", "demo", 1),
            ("completed", "summaries-v3", "olivia", 90),
            ("failed", "summaries-v2", "chloe", 200),
            ("cancelled", "summaries-v1", "adam", 300),
        ]
        finished = None
        for status, name, creator, hours in jobs:
            job = services.create_fine_tune(
                team,
                u[creator],
                status=status,
                experiment_name=name,
                project_id=summaries.pk,
                training_files=[files[1].pk, files[2].pk],
                created_at=self.ago(hours),
            )
            finished = job if status == "completed" else finished
        papers = services.create_vector_db(
            team,
            u["chloe"],
            name="Research papers",
            description="Papers and notes.",
            files=[f for f in files if f.purpose == "alignment"][:12],
            created_at=self.ago(400),
        )
        search = services.create_tool(
            team,
            u["chloe"],
            name="paper_search",
            type="file_search",
            description="Searches the research papers.",
            config={"file_search_index": papers.pk, "top_k": 5, "score_threshold": 0.2},
        )
        web = services.create_tool(team, u["demo"], name="web_lookup", type="web_search")
        services.create_agent(
            team,
            u["demo"],
            name="Research assistant",
            tools=[search, web],
            instructions="Answer questions about our papers, citing them.",
            created_at=self.ago(300),
        )
        services.create_deployment(
            team,
            u["olivia"],
            name="Summariser v3",
            model_type="Fine-tuned Run",
            model_id=finished.pk,
            description="The summaries-v3 fine-tune, deployed.",
            created_at=self.ago(80),
        )
        for status, name, creator, job_type in (
            ("needs_review", "Clinical principles", "olivia", "principle_files"),
            ("running", "Grounded Q&A", "chloe", "context_grounded_files"),
            ("completed", "Paper Q&A", "demo", "context_grounded_vector_db"),
        ):
            services.create_data_job(team, u[creator], name=name, job_type=job_type, status=status)

    def support(self) -> None:
        team, u = self.teams["Support bots"], self.users
        names = [(f"faq-{i:02d}.md", "alignment") for i in range(8)] + [
            (f"conversations-{i:02d}.jsonl", "fine-tune") for i in range(4)
        ]
        files = self.files("Support bots", names, ["adam", "chloe", "demo"], 5)
        help_centre = services.create_vector_db(
            team,
            u["adam"],
            name="Help centre articles",
            files=files[:6],
            description="Every public help article.",
        )
        services.create_vector_db(
            team, u["chloe"], name="Product manuals", files=files[6:8], description=None
        )
        search = services.create_tool(
            team,
            u["adam"],
            name="help_search",
            type="file_search",
            config={"file_search_index": help_centre.pk, "top_k": 8},
        )
        web = services.create_tool(team, u["chloe"], name="status_page", type="web_search")
        python = services.create_tool(
            team,
            u["demo"],
            name="invoice_lookup",
            type="run_python",
            config={"function_ids": ["fn-invoices"]},
        )
        support = services.create_agent(
            team,
            u["adam"],
            name="Support bot",
            tools=[search, web],
            instructions="Help customers using the help centre.",
            created_at=self.ago(250),
        )
        services.create_agent(
            team,
            u["demo"],
            name="Billing helper",
            tools=[python],
            instructions="Answer billing questions.",
            created_at=self.ago(200),
        )
        router = services.create_tool(
            team,
            u["adam"],
            name="ask_support_bot",
            type="agent_as_tool",
            config={"agent_id": support.pk},
        )
        services.create_agent(
            team,
            u["chloe"],
            name="Triage router",
            tools=[router],
            status="Pending",
            instructions="Route each question to the right bot.",
            created_at=self.ago(20),
        )
        services.create_deployment(team, u["adam"], name="Support base model", status="Active")
        services.create_deployment(
            team, u["chloe"], name="Old support model", status="Inactive", created_at=self.ago(900)
        )
        services.create_fine_tune(
            team,
            u["chloe"],
            status="completed",
            experiment_name="support-tone",
            training_files=[files[8].pk],
            created_at=self.ago(150),
        )
        services.create_fine_tune(team, u["demo"], status="pending", experiment_name="support-v2")
        services.create_project(team, u["adam"], name="Support tone", description="Tone tuning.")
        services.create_data_job(team, u["adam"], name="FAQ principles")

    def platform(self) -> None:
        team, u = self.teams["Platform"], self.users
        names = [(f"eval-set-{i}.csv", "alignment") for i in range(4)] + [
            (f"pretrain-shard-{i}.jsonl", "pre-train") for i in range(4)
        ]
        self.files("Platform", names, ["adam", "olivia", "demo"], 10)
        for name, status, creator in (
            ("Gateway model", "Active", "adam"),
            ("Canary model", "Pending", "olivia"),
            ("Broken rollout", "Failed", "demo"),
        ):
            services.create_deployment(team, u[creator], name=name, status=status, n_instances=2)
        for status, name, creator in (
            ("running", "pretrain-a", "adam"),
            ("running", "pretrain-b", "olivia"),
            ("completed", "pretrain-0", "adam"),
        ):
            services.create_fine_tune(
                team, u[creator], status=status, experiment_name=name, accel_type="MI300X"
            )
        services.create_project(team, u["adam"], name="Pre-training", description="Base models.")
        services.create_project(team, u["olivia"], name="Evaluation", description="Eval suites.")
        mcp = services.create_tool(
            team,
            u["adam"],
            name="incident_tracker",
            type="mcp_connector",
            config={"url": "https://mcp.example.com/incidents", "transport": "streamable-http"},
        )
        services.create_agent(team, u["adam"], name="Ops helper", tools=[mcp])
        services.create_vector_db(
            team, u["olivia"], name="Runbooks", description="On-call runbooks."
        )
        services.create_data_job(
            team,
            u["demo"],
            name="Eval prompts",
            job_type="context_grounded_files",
            status="ready_to_start",
        )

    def personal(self) -> None:
        for username, user in self.users.items():
            team = services.personal_team(user)
            services.create_file(
                team,
                user,
                filename=f"{username}-notes.md",
                purpose="alignment",
                content=_content("notes.md", 0),
            )
            services.create_file(
                team,
                user,
                filename=f"{username}-scratch.jsonl",
                content=_content("scratch.jsonl", 1),
            )
        demo = self.users[DEMO_LOGIN]
        services.create_agent(services.personal_team(demo), demo, name="My sandbox agent")

    def threads(self) -> None:
        agent_of = {
            "olivia": ("Research", "Research assistant"),
            "adam": ("Support bots", "Support bot"),
            "chloe": ("Support bots", "Support bot"),
            "demo": ("Research", "Research assistant"),
        }
        questions = (
            ("Onboarding questions", ["How do I upload a dataset?", "And how big can it be?"]),
            ("Weekly report", ["Summarise this week's fine-tunes."]),
        )
        for username, user in self.users.items():
            team_name, agent_name = agent_of[username]
            agent = services.agents_of_user(user).get(name=agent_name, team=self.teams[team_name])
            for index, (title, asks) in enumerate(questions):
                thread = services.create_thread(
                    user, meta_data={"title": title}, created_at=self.ago(48 - index * 24)
                )
                for ask in asks:
                    services.create_message(thread, "user", ask)
                    run = services.start_run(
                        thread, agent, temperature=1.0, top_p=1.0, meta_data={}
                    )
                    services.complete_run(run, services.reply_for(thread, agent))


def _content(name: str, index: int) -> bytes:
    """Small, plausible file content matching the file's type."""
    if name.endswith(".jsonl"):
        lines = [
            json.dumps({"prompt": f"Question {index}.{n}?", "completion": f"Answer {index}.{n}."})
            for n in range(5)
        ]
        return ("\n".join(lines) + "\n").encode()
    if name.endswith(".csv"):
        return f"question,expected\nWhat is {index}+1?,{index + 1}\n".encode()
    return f"# Document {index}\n\nDemo content for {name}.\n".encode()


# --- The seed and its description ---------------------------------------------------------------
@dataclass
class DemoOrg:
    secret: str
    users: dict[str, SandboxUser]
    teams: dict[str, SandboxTeam]
    created: bool

    def api_key(self, username: str) -> str:
        return demo_key(self.secret, username)

    @property
    def password(self) -> str:
        return demo_password(self.secret)

    def describe(self) -> dict:
        """The organisation for scripts: users with keys, ids, personal and shared teams."""
        teams = {name: _describe_team(team) for name, team in self.teams.items()}
        return {
            "users": [
                {
                    "username": username,
                    "org_role": user.org_role,
                    "api_key": self.api_key(username),
                    "user_id": user.pk,
                    "personal_team_id": str(services.personal_team(user).pk),
                    "teams": [
                        {**teams[name], "role": role}
                        for name, members in TEAMS
                        for member, role in members
                        if member == username
                    ],
                }
                for username, user in self.users.items()
            ],
            "teams": list(teams.values()),
        }


def _describe_team(team: SandboxTeam) -> dict:
    memberships = team.memberships.select_related("user").order_by("pk")
    return {
        "id": str(team.pk),
        "name": team.name,
        "members": [{"username": m.user.username, "role": m.role} for m in memberships],
    }


def _find_team(name: str) -> SandboxTeam:
    return (
        SandboxTeam.objects.filter(
            name=name, personal_of=None, memberships__user__username=DEMO_LOGIN
        )
        .order_by("created_at")
        .first()
    )


@transaction.atomic
def seed() -> DemoOrg:
    """Create the demo organisation unless it exists; either way, return it. Idempotent."""
    secret = _secret()
    created = not SandboxUser.objects.filter(username=USERS[0][0]).exists()
    if created:
        users = {}
        for username, org_role in USERS:
            users[username], _ = services.create_user(
                username, org_role=org_role, api_key=demo_key(secret, username)
            )
        teams = {
            name: services.create_team(name, [(users[u], role) for u, role in members])
            for name, members in TEAMS
        }
        builder = _Builder(users, teams)
        builder.research()
        builder.support()
        builder.platform()
        builder.personal()
        builder.threads()
    users = {username: SandboxUser.objects.get(username=username) for username, _ in USERS}
    for username, user in users.items():
        services.add_api_key(user, demo_key(secret, username), label="demo")
    teams = {name: _find_team(name) for name, _ in TEAMS}
    return DemoOrg(secret=secret, users=users, teams=teams, created=created)


def demo_memberships(org: DemoOrg) -> list[tuple[str, str]]:
    """The shared teams the dashboard's demo login should have saved: (id, name)."""
    demo = org.users[DEMO_LOGIN]
    memberships = SandboxMembership.objects.filter(
        user=demo, team__in=[t for t in org.teams.values() if t is not None]
    ).select_related("team")
    return [(str(m.team.pk), m.team.name) for m in memberships.order_by("team__created_at")]
