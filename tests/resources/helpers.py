"""Shared helpers for the resource browsing tests: opening a team, bulk sandbox data."""

from __future__ import annotations

import re
from datetime import timedelta

from django.utils import timezone

from tests.conftest import team_url

ROW_ID = re.compile(r'<tr data-id="([^"]+)"')


def switch(web, team) -> None:
    """Open ``team``'s overview (a SandboxTeam, or None for the personal workspace), which
    makes it the last-used team, the one ``/`` opens. Team pages name their team in the URL
    (``team_url``); this is only for what depends on the last-used team."""
    web.get(team_url(team))


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
