"""Shared helpers for the resource browsing tests: switching teams, bulk sandbox data."""

from __future__ import annotations

import re
from datetime import timedelta

from django.utils import timezone

ROW_ID = re.compile(r'<tr data-id="([^"]+)"')


def switch(web, team) -> None:
    """Make ``team`` (a SandboxTeam, or None for the personal workspace) the active team."""
    web.post("/teams/switch/", {"team_id": str(team.pk) if team else "", "next": "/teams/"})


def row_ids(html: str) -> list[str]:
    """The ids of the rows of the resource table, in page order."""
    table = html.split('data-testid="resource-table"', 1)[-1]
    return ROW_ID.findall(table)


def bulk_files(team, user, count: int, *, prefix: str = "doc") -> list:
    """``count`` file records in ``team``, newest last-numbered, created in one query.

    Only the records matter for listing; the content of these files is never downloaded.
    """
    from dashboard.sandbox.models import SandboxFile

    start = timezone.now() - timedelta(days=1)
    files = [
        SandboxFile(
            id=f"file-{prefix}-{number:05d}",
            team=team,
            creator=user,
            filename=f"{prefix}-{number:05d}.jsonl",
            purpose="fine-tune",
            file_type="jsonl",
            bytes=100 + number,
            storage_name=f"{team.pk}/missing-{prefix}-{number}",
            created_at=start + timedelta(seconds=number),
            updated_at=start + timedelta(seconds=number),
        )
        for number in range(1, count + 1)
    ]
    return SandboxFile.objects.bulk_create(files, batch_size=500)
