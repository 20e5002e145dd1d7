"""The sandbox upstream's own data: an organisation of users, teams and the resources they own.

Everything here is the *upstream's* state, kept apart from the dashboard's tables (every name
starts with ``Sandbox``). API keys are stored only as SHA-256 hashes. Team resources share one
abstract base, so ownership (``team`` and ``creator``) and timestamps are the same for every kind;
fields a kind has but the sandbox never queries live in ``extra`` and are served as they are.

Jobs that move on by themselves (fine-tunes, deployments, ingestion and data jobs) carry a
``timeline_start``: their status is stored as the first status of a timeline that began then,
and what it is now is computed whenever it is read (``progress.py``). Without one, the stored
status is the status, as for the jobs the seed and tests create in a given state.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone


def prefixed_id(prefix: str) -> str:
    """A UUID-ish public id such as ``file-3f2a…``, like the upstream's own."""
    return f"{prefix}-{uuid.uuid4().hex}"


class SandboxSecret(models.Model):
    """A random per-database value the seed derives its demo keys and password from."""

    name = models.CharField(max_length=50, unique=True)
    value = models.CharField(max_length=128)

    def __str__(self) -> str:
        return self.name


class SandboxUser(models.Model):
    class OrgRole(models.TextChoices):
        OWNER = "Owner"
        MEMBER = "Member"

    username = models.CharField(max_length=150, unique=True)
    org_role = models.CharField(max_length=10, choices=OrgRole.choices, default=OrgRole.MEMBER)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.username


class SandboxTeam(models.Model):
    """A team; ``personal_of`` marks the single-member personal workspace of one user."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    personal_of = models.OneToOneField(
        SandboxUser,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="personal_team",
    )
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name


class SandboxMembership(models.Model):
    class Role(models.TextChoices):
        ADMIN = "Admin"
        CREATOR = "Creator"

    team = models.ForeignKey(SandboxTeam, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(SandboxUser, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.CREATOR)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="sandbox_membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.team} ({self.role})"


class SandboxApiKey(models.Model):
    key_hash = models.CharField(max_length=64, unique=True)  # SHA-256 hex of the key
    user = models.ForeignKey(SandboxUser, on_delete=models.CASCADE, related_name="api_keys")
    label = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"key of {self.user} ({self.label or 'unlabelled'})"


class TeamResource(models.Model):
    """What every team-owned resource has: its team, its creator and its timestamps."""

    team = models.ForeignKey(SandboxTeam, on_delete=models.CASCADE, related_name="+")
    creator = models.ForeignKey(SandboxUser, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    extra = models.JSONField(default=dict, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at"]


class PrefixedTeamResource(TeamResource):
    id = models.CharField(primary_key=True, max_length=64)

    class Meta(TeamResource.Meta):
        abstract = True


class SandboxFile(PrefixedTeamResource):
    filename = models.CharField(max_length=255)
    purpose = models.CharField(max_length=32)
    file_type = models.CharField(max_length=16)
    bytes = models.BigIntegerField(default=0)
    storage_name = models.CharField(max_length=255)  # relative to SANDBOX_STORAGE_DIR


class SandboxFineTune(PrefixedTeamResource):
    status = models.CharField(max_length=16)
    model = models.CharField(max_length=200)
    experiment_name = models.CharField(max_length=200, blank=True)
    accel_type = models.CharField(max_length=16, default="H100")
    n_accel = models.PositiveIntegerField(default=1)
    completed_at = models.DateTimeField(null=True, blank=True)  # or cancelled, or failed
    timeline_start = models.DateTimeField(null=True, blank=True)


class SandboxTool(PrefixedTeamResource):
    name = models.CharField(max_length=200)
    type = models.CharField(max_length=32)
    description = models.TextField(blank=True)
    config = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=32, blank=True)  # only mcp_connector tools have one
    version = models.PositiveIntegerField(default=1)


class SandboxAgent(PrefixedTeamResource):
    name = models.CharField(max_length=200)
    instructions = models.TextField()
    status = models.CharField(max_length=16, default="Active")
    model_id = models.CharField(max_length=200)
    tools = models.ManyToManyField(SandboxTool, blank=True, related_name="agents")


class SandboxDeployment(PrefixedTeamResource):
    name = models.CharField(max_length=200)
    description = models.TextField()
    model_type = models.CharField(max_length=32)
    model_id = models.CharField(max_length=200)
    status = models.CharField(max_length=16)
    n_instances = models.PositiveIntegerField(default=1)
    timeline_start = models.DateTimeField(null=True, blank=True)


class SandboxVectorDB(PrefixedTeamResource):
    name = models.CharField(max_length=200)
    model = models.CharField(max_length=200)
    dimension = models.PositiveIntegerField(default=768)
    description = models.TextField(null=True, blank=True)


class SandboxVectorDBFile(models.Model):
    """A team file ingested into a vector database (served under the file's own id)."""

    vector_db = models.ForeignKey(SandboxVectorDB, on_delete=models.CASCADE, related_name="files")
    file = models.ForeignKey(SandboxFile, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=32, default="completed")
    error_message = models.TextField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["vector_db", "file"], name="sandbox_vdb_file_unique")
        ]


class SandboxProject(TeamResource):
    """Projects are the one kind with integer ids (the default auto primary key)."""

    name = models.CharField(max_length=100)
    description = models.TextField()
    runs = models.PositiveIntegerField(default=0)
    runs_deployed = models.PositiveIntegerField(default=0)


class SandboxIngestionJob(PrefixedTeamResource):
    """Files being ingested into a vector database; once complete (and ``settled``), they are
    the database's files."""

    vector_db = models.ForeignKey(
        SandboxVectorDB, on_delete=models.CASCADE, related_name="ingestion_jobs"
    )
    status = models.CharField(max_length=16, default="queued")
    timeline_start = models.DateTimeField(null=True, blank=True)
    file_ids = models.JSONField(default=list)
    settled = models.BooleanField(default=False)


class SandboxPythonFunction(PrefixedTeamResource):
    """Code a ``run_python`` tool may call."""

    name = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    code = models.TextField()
    version = models.PositiveIntegerField(default=1)
    active = models.BooleanField(default=True)


class SandboxDataJob(PrefixedTeamResource):
    name = models.CharField(max_length=255)
    job_type = models.CharField(max_length=32)
    status = models.CharField(max_length=32)
    timeline_start = models.DateTimeField(null=True, blank=True)


class SandboxDataJobFile(models.Model):
    """A team file a data job works from."""

    data_job = models.ForeignKey(SandboxDataJob, on_delete=models.CASCADE, related_name="files")
    file = models.ForeignKey(SandboxFile, on_delete=models.CASCADE, related_name="+")
    method = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["data_job", "file"], name="sandbox_data_job_file_unique"
            )
        ]


class SandboxThread(models.Model):
    """Threads belong to a user, never to a team."""

    id = models.CharField(primary_key=True, max_length=64)
    user = models.ForeignKey(SandboxUser, on_delete=models.CASCADE, related_name="threads")
    status = models.CharField(max_length=16, default="available")
    active_run_id = models.CharField(max_length=64, null=True, blank=True)
    meta_data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]


class SandboxRun(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        COMPLETED = "completed"
        FAILED = "failed"
        CANCELLED = "cancelled"

    FINAL = frozenset({Status.COMPLETED, Status.FAILED, Status.CANCELLED})

    id = models.CharField(primary_key=True, max_length=64)
    thread = models.ForeignKey(SandboxThread, on_delete=models.CASCADE, related_name="runs")
    agent_id = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    model = models.CharField(max_length=200)
    temperature = models.FloatField(default=1.0)
    top_p = models.FloatField(default=1.0)
    meta_data = models.JSONField(default=dict, blank=True)
    usage = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]


class SandboxMessage(models.Model):
    id = models.CharField(primary_key=True, max_length=64)
    thread = models.ForeignKey(SandboxThread, on_delete=models.CASCADE, related_name="messages")
    role = models.CharField(max_length=16)
    content = models.JSONField()  # a string, or a list of typed parts
    agent_id = models.CharField(max_length=64, null=True, blank=True)
    run_id = models.CharField(max_length=64, null=True, blank=True)
    meta_data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]


# --- RunGen.AI's dialect (mounted at /rungen/) ----------------------------------------------
class SandboxApp(TeamResource):
    """A RunGen app: a workflow served by up to ten workers. A personal app's team is its
    creator's personal workspace (the wire shows no team for it)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    configuration = models.JSONField(default=dict, blank=True)  # gpu_tier, and what else was sent
    workflow = models.JSONField(default=dict, blank=True)  # model_url, and what else was sent
    active_workers = models.PositiveSmallIntegerField(default=1)

    @property
    def running(self) -> bool:
        return self.active_workers > 0


class SandboxAppJob(TeamResource):
    """One asynchronous run of an app. A job on a timeline (``progress.app_job``) moves on
    from IN_QUEUE by itself; one without is in its stored status (and its stored times)."""

    class Status(models.TextChoices):
        IN_QUEUE = "IN_QUEUE"
        IN_PROGRESS = "IN_PROGRESS"
        COMPLETED = "COMPLETED"
        FAILED = "FAILED"
        CANCELLED = "CANCELLED"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    app = models.ForeignKey(SandboxApp, on_delete=models.CASCADE, related_name="jobs")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.IN_QUEUE)
    input = models.JSONField(default=dict, blank=True)
    output = models.JSONField(null=True, blank=True)  # shown once the job is COMPLETED
    timeline_start = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)  # of a job off a timeline
    completed_at = models.DateTimeField(null=True, blank=True)  # ditto: completed, failed…
