"""Reading the dashboard's own action log: who sees what, and its filters.

Staff see everyone's entries; everyone else sees their own. Nothing here changes an entry:
the log is append-only (see :class:`~dashboard.audit.models.ActionLog`).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from dashboard.audit.models import ActionLog

PERSONAL_FILTER = "personal"  # the personal workspace, whose entries name no team

EXPORT_HEADER = (
    "when",
    "user",
    "action",
    "outcome",
    "team",
    "team_id",
    "kind",
    "resource_id",
    "detail",
)


def visible_entries(user) -> QuerySet[ActionLog]:
    entries = ActionLog.objects.all()
    return entries if user.is_staff else entries.filter(user=user)


def logged_teams(entries: QuerySet[ActionLog]) -> list[tuple[str, str]]:
    """(team id, latest label) of every team the entries name; "" is the personal workspace."""
    labels: dict[str, str] = {}
    for team_id, label in entries.order_by("-created_at").values_list("team_id", "team_label"):
        labels.setdefault(team_id, label)
    return sorted(labels.items(), key=lambda item: (item[0] != "", item[1].casefold()))


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def filtered(entries: QuerySet[ActionLog], data: dict) -> QuerySet[ActionLog]:
    """Entries narrowed by a valid ActionLogFilterForm's cleaned data."""
    if data.get("action"):
        entries = entries.filter(action=data["action"])
    if data.get("outcome"):
        entries = entries.filter(outcome=data["outcome"])
    if data.get("user"):
        entries = entries.filter(username__iexact=data["user"].strip())
    team = data.get("in_team")
    if team:
        entries = entries.filter(team_id="" if team == PERSONAL_FILTER else team)
    if data.get("date_from"):
        entries = entries.filter(created_at__gte=_start_of(data["date_from"]))
    if data.get("date_to"):
        entries = entries.filter(created_at__lt=_start_of(data["date_to"] + timedelta(days=1)))
    return entries


def record(entry: ActionLog) -> tuple[str, ...]:
    """The exported columns of one entry, in EXPORT_HEADER's order."""
    return (
        entry.created_at.isoformat(),
        entry.username,
        entry.action,
        entry.outcome,
        entry.team_label,
        entry.team_id,
        entry.kind,
        entry.resource_id,
        entry.detail,
    )


def team_recorded_for(*, user, action: str, resource_id: str) -> str | None:
    """The team id ("" for the personal workspace) of the user's latest successful ``action``
    on ``resource_id``, or None when the log has none."""
    return (
        ActionLog.objects.filter(
            user=user, action=action, resource_id=resource_id, outcome=ActionLog.Outcome.SUCCESS
        )
        .order_by("-id")
        .values_list("team_id", flat=True)
        .first()
    )
