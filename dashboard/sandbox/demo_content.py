"""The demo organisation's content: its users, its teams with their roles, resources of every
kind in each team and in each personal workspace, personal threads with agent runs, and RunGen
apps (running and stopped) with jobs in every state, in the teams and the personal areas.

The content is fixed and spread over the past weeks, so lists have something to sort and page
(the Research team holds more files than one page of 100).
"""

from __future__ import annotations

import json
from datetime import timedelta
from itertools import cycle

from django.utils import timezone

from dashboard.sandbox import conversations, factories, identity, progress
from dashboard.sandbox.models import SandboxTeam, SandboxUser

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
FUNCTIONS = (
    (
        "invoice_total",
        '''"""The total of an invoice, with tax."""


def invoice_total(lines: list[dict], tax_rate: float = 0.2) -> float:
    subtotal = sum(line["quantity"] * line["unit_price"] for line in lines)
    return round(subtotal * (1 + tax_rate), 2)
''',
        "demo",
        220,
    ),
    (
        "refund_window",
        '''"""Whether an order can still be refunded, and until when."""

from datetime import date, timedelta


def refund_window(ordered_on: str, days: int = 30) -> dict:
    until = date.fromisoformat(ordered_on) + timedelta(days=days)
    return {"refundable": date.today() <= until, "until": until.isoformat()}
''',
        "adam",
        210,
    ),
)


def build(users: dict[str, SandboxUser], teams: dict[str, SandboxTeam]) -> None:
    """Fill the organisation, whose users and teams (with their members) already exist."""
    builder = _Builder(users, teams)
    builder.research()
    builder.support()
    builder.platform()
    builder.personal()
    builder.threads()


def build_rungen(users: dict[str, SandboxUser], teams: dict[str, SandboxTeam]) -> None:
    """The RunGen apps and jobs (also added on their own to an organisation seeded without)."""
    _Builder(users, teams).rungen()


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
            factories.create_file(
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
        summaries = factories.create_project(
            team,
            u["olivia"],
            name="Clinical summaries",
            runs=4,
            runs_deployed=1,
            description="Fine-tunes that summarise clinical notes.",
            created_at=self.ago(600),
        )
        factories.create_project(
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
            job = factories.create_fine_tune(
                team,
                u[creator],
                status=status,
                experiment_name=name,
                project_id=summaries.pk,
                training_files=[files[1].pk, files[2].pk],
                created_at=self.ago(hours),
            )
            finished = job if status == "completed" else finished
        papers = factories.create_vector_db(
            team,
            u["chloe"],
            name="Research papers",
            description="Papers and notes.",
            files=[f for f in files if f.purpose == "alignment"][:12],
            created_at=self.ago(400),
        )
        search = factories.create_tool(
            team,
            u["chloe"],
            name="paper_search",
            type="file_search",
            description="Searches the research papers.",
            config={"file_search_index": papers.pk, "top_k": 5, "score_threshold": 0.2},
        )
        web = factories.create_tool(team, u["demo"], name="web_lookup", type="web_search")
        factories.create_agent(
            team,
            u["demo"],
            name="Research assistant",
            tools=[search, web],
            instructions="Answer questions about our papers, citing them.",
            created_at=self.ago(300),
        )
        factories.create_deployment(
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
            factories.create_data_job(team, u[creator], name=name, job_type=job_type, status=status)

    def support(self) -> None:
        team, u = self.teams["Support bots"], self.users
        names = [(f"faq-{i:02d}.md", "alignment") for i in range(8)] + [
            (f"conversations-{i:02d}.jsonl", "fine-tune") for i in range(4)
        ]
        files = self.files("Support bots", names, ["adam", "chloe", "demo"], 5)
        help_centre = factories.create_vector_db(
            team,
            u["adam"],
            name="Help centre articles",
            files=files[:6],
            description="Every public help article.",
        )
        factories.create_vector_db(
            team, u["chloe"], name="Product manuals", files=files[6:8], description=None
        )
        search = factories.create_tool(
            team,
            u["adam"],
            name="help_search",
            type="file_search",
            config={"file_search_index": help_centre.pk, "top_k": 8},
        )
        web = factories.create_tool(team, u["chloe"], name="status_page", type="web_search")
        functions = [
            factories.create_python_function(
                team, u[creator], name=name, code=code, created_at=self.ago(hours)
            )
            for name, code, creator, hours in FUNCTIONS
        ]
        python = factories.create_tool(
            team,
            u["demo"],
            name="invoice_lookup",
            type="run_python",
            description="Looks up invoices and works out refunds.",
            config={"function_ids": [function.pk for function in functions]},
        )
        support = factories.create_agent(
            team,
            u["adam"],
            name="Support bot",
            tools=[search, web],
            instructions="Help customers using the help centre.",
            created_at=self.ago(250),
        )
        factories.create_agent(
            team,
            u["demo"],
            name="Billing helper",
            tools=[python],
            instructions="Answer billing questions.",
            created_at=self.ago(200),
        )
        router = factories.create_tool(
            team,
            u["adam"],
            name="ask_support_bot",
            type="agent_as_tool",
            config={"agent_id": support.pk},
        )
        factories.create_agent(
            team,
            u["chloe"],
            name="Triage router",
            tools=[router],
            status="Pending",
            instructions="Route each question to the right bot.",
            created_at=self.ago(20),
        )
        factories.create_deployment(team, u["adam"], name="Support base model", status="Active")
        factories.create_deployment(
            team, u["chloe"], name="Old support model", status="Inactive", created_at=self.ago(900)
        )
        factories.create_fine_tune(
            team,
            u["chloe"],
            status="completed",
            experiment_name="support-tone",
            training_files=[files[8].pk],
            created_at=self.ago(150),
        )
        factories.create_fine_tune(team, u["demo"], status="pending", experiment_name="support-v2")
        factories.create_project(team, u["adam"], name="Support tone", description="Tone tuning.")
        factories.create_data_job(team, u["adam"], name="FAQ principles")

    def platform(self) -> None:
        team, u = self.teams["Platform"], self.users
        names = [(f"eval-set-{i}.csv", "alignment") for i in range(4)] + [
            (f"pretrain-shard-{i}.jsonl", "pre-train") for i in range(4)
        ]
        files = self.files("Platform", names, ["adam", "olivia", "demo"], 10)
        for name, status, creator in (
            ("Gateway model", "Active", "adam"),
            ("Canary model", "Pending", "olivia"),
            ("Broken rollout", "Failed", "demo"),
        ):
            factories.create_deployment(team, u[creator], name=name, status=status, n_instances=2)
        for status, name, creator in (
            ("running", "pretrain-a", "adam"),
            ("running", "pretrain-b", "olivia"),
            ("completed", "pretrain-0", "adam"),
        ):
            factories.create_fine_tune(
                team, u[creator], status=status, experiment_name=name, accel_type="MI300X"
            )
        factories.create_project(team, u["adam"], name="Pre-training", description="Base models.")
        factories.create_project(team, u["olivia"], name="Evaluation", description="Eval suites.")
        mcp = factories.create_tool(
            team,
            u["adam"],
            name="incident_tracker",
            type="mcp_connector",
            config={"url": "https://mcp.example.com/incidents", "transport": "streamable-http"},
        )
        factories.create_agent(team, u["adam"], name="Ops helper", tools=[mcp])
        runbooks = factories.create_vector_db(
            team,
            u["olivia"],
            name="Runbooks",
            description="On-call runbooks.",
            created_at=self.ago(40),
        )
        factories.create_ingestion_job(
            runbooks,
            u["olivia"],
            file_ids=[file.pk for file in files if file.purpose == "alignment"],
            created_at=self.ago(39),
        )
        progress.settle_ingestions(team, runbooks.pk)
        factories.create_data_job(
            team,
            u["demo"],
            name="Eval prompts",
            job_type="context_grounded_files",
            status="ready_to_start",
        )

    def personal(self) -> None:
        for username, user in self.users.items():
            team = identity.personal_team(user)
            factories.create_file(
                team,
                user,
                filename=f"{username}-notes.md",
                purpose="alignment",
                content=_content("notes.md", 0),
            )
            factories.create_file(
                team,
                user,
                filename=f"{username}-scratch.jsonl",
                content=_content("scratch.jsonl", 1),
            )
        demo = self.users[DEMO_LOGIN]
        factories.create_agent(identity.personal_team(demo), demo, name="My sandbox agent")

    def rungen(self) -> None:
        """Apps in each team and personal area, and jobs in every state. An app's workers are
        what makes it RUNNING; the queued jobs wait on stopped apps, so they stay queued."""
        u, personal = self.users, identity.personal_team
        llama = {"model_url": "https://huggingface.co/meta-llama/Llama-3.1-8B-Instruct"}
        sdxl = {"model_url": "https://huggingface.co/stabilityai/stable-diffusion-xl-base-1.0"}
        whisper = {"model_url": "https://huggingface.co/openai/whisper-large-v3"}
        apps = {}
        for key, team, creator, name, tier, workers, workflow, hours, description in (
            ("summarizer", self.teams["Research"], "olivia", "Paper summarizer", "PERFORMANCE",
             2, llama, 300, "Summarises new arXiv papers into five bullet points."),
            ("citations", self.teams["Research"], "demo", "Citation extractor", "STANDARD",
             1, llama, 180, "Pulls references out of PDFs as BibTeX."),
            ("captions", self.teams["Research"], "chloe", "Figure captioner", "ENTERPRISE",
             0, sdxl, 96, "Drafts alt text for paper figures."),
            ("triage", self.teams["Support bots"], "adam", "Ticket triage", "PERFORMANCE",
             3, llama, 260, "Tags incoming tickets with product area and urgency."),
            ("replies", self.teams["Support bots"], "chloe", "Reply drafter", "STANDARD",
             1, llama, 120, "Drafts first replies for the support queue."),
            ("transcripts", self.teams["Platform"], "adam", "Call transcriber", "ENTERPRISE",
             2, whisper, 200, "Transcribes recorded support calls."),
            ("loadtest", self.teams["Platform"], "demo", "Load-test echo", "STANDARD",
             0, {}, 30, "Echoes its input; used to test autoscaling."),
            ("upscaler", personal(u["demo"]), "demo", "My image upscaler", "PERFORMANCE",
             1, sdxl, 72, "Upscales screenshots for slides."),
            ("playground", personal(u["demo"]), "demo", "Prompt playground", "STANDARD",
             0, llama, 20, "Trying out prompts before they go to the team."),
            ("digest", personal(u["olivia"]), "olivia", "Reading list digest", "STANDARD",
             1, llama, 150, "A weekly digest of saved articles."),
            ("tone", personal(u["chloe"]), "chloe", "Tone checker", "STANDARD",
             0, llama, 60, "Checks replies for a friendly tone."),
        ):  # fmt: skip
            apps[key] = factories.create_app(
                team,
                u[creator],
                name=name,
                description=description,
                gpu_tier=tier,
                workflow=workflow,
                active_workers=workers,
                created_at=self.ago(hours),
            )
        for key, creator, status, hours, job_input in (
            ("summarizer", "olivia", "COMPLETED", 240, {"prompt": "arXiv:2405.01234"}),
            ("summarizer", "demo", "COMPLETED", 48, {"prompt": "arXiv:2406.17777"}),
            ("summarizer", "chloe", "IN_PROGRESS", 0.05, {"prompt": "arXiv:2407.00042"}),
            ("citations", "demo", "COMPLETED", 30, {"prompt": "smith-2023-retrieval.pdf"}),
            ("citations", "adam", "FAILED", 26, {"prompt": "scanned-notes.pdf"}),
            ("captions", "chloe", "IN_QUEUE", 2, {"prompt": "figure 3: ablation results"}),
            ("triage", "adam", "COMPLETED", 100, {"prompt": "Cannot reset my password"}),
            ("triage", "chloe", "CANCELLED", 50, {"prompt": "Invoice shows the wrong VAT"}),
            ("triage", "demo", "IN_PROGRESS", 0.1, {"prompt": "App crashes on login"}),
            ("replies", "chloe", "COMPLETED", 10, {"prompt": "Where is my order #4821?"}),
            ("transcripts", "adam", "FAILED", 70, {"recording": "call-0412.wav"}),
            ("transcripts", "olivia", "COMPLETED", 8, {"recording": "call-0419.wav"}),
            ("loadtest", "demo", "IN_QUEUE", 1, {"payload": "ping"}),
            ("upscaler", "demo", "COMPLETED", 60, {"prompt": "roadmap-slide.png"}),
            ("playground", "demo", "IN_QUEUE", 4, {"prompt": "Explain RAG to a new hire"}),
            ("digest", "olivia", "COMPLETED", 140, {"prompt": "week 42"}),
        ):
            factories.create_app_job(
                apps[key], u[creator], input=job_input, status=status, created_at=self.ago(hours)
            )

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
            agent = conversations.agents_of_user(user).get(
                name=agent_name, team=self.teams[team_name]
            )
            for index, (title, asks) in enumerate(questions):
                thread = conversations.create_thread(
                    user, meta_data={"title": title}, created_at=self.ago(48 - index * 24)
                )
                for ask in asks:
                    conversations.create_message(thread, "user", ask)
                    run = conversations.start_run(
                        thread, agent, temperature=1.0, top_p=1.0, meta_data={}
                    )
                    conversations.complete_run(run, conversations.reply_for(thread, agent))


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
