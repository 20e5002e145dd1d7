"""The workspace of a request: who asks, with which API key, in which team.

One :class:`Workspace` is resolved per request (``request.workspace``, by
:class:`~dashboard.teams.middleware.WorkspaceMiddleware`): the signed-in user, their active
key, their saved teams, and the team the page's URL names (``/t/<team>/…``). Views hand what
services need from it as keyword arguments; nothing else looks up keys or teams again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from dashboard.accounts.models import ApiKey
from dashboard.accounts.services import client_for_key
from dashboard.teams.models import SavedTeam
from dashboard.upstream.client import UpstreamClient
from dashboard.upstream.errors import NoApiKeyError

PERSONAL = "personal"  # the personal workspace, in URLs: /t/personal/
PERSONAL_LABEL = "Personal workspace"


@dataclass(frozen=True)
class Team:
    """A team pages act in. ``id`` None is the personal workspace (no team header is sent)."""

    id: str | None
    label: str
    upstream_id: str = ""  # the personal workspace's own team id, once learnt
    saved: bool = True  # False: a team the key can see that the user has not saved

    @property
    def key(self) -> str:
        """How the team is named in URLs (``/t/<key>/``) and forms."""
        return self.id or PERSONAL

    @property
    def is_personal(self) -> bool:
        return self.id is None

    @property
    def display_id(self) -> str:
        """The team's upstream id as pages show it: the personal workspace's own id once it is
        learnt, else nothing (its label says what it is)."""
        return self.id or self.upstream_id

    def __str__(self) -> str:
        return f"{self.label} ({self.display_id})" if self.display_id else self.label


def personal(upstream_id: str = "") -> Team:
    return Team(None, PERSONAL_LABEL, upstream_id)


@dataclass
class Workspace:
    user: object
    key: ApiKey | None  # the active API key, loaded once for the request
    saved: list[SavedTeam]
    team: Team | None = None  # the team of the page's URL; None on pages of no team
    last_team_key: str = PERSONAL  # the team "/" opens
    _clients: dict = field(default_factory=dict, repr=False)

    @property
    def personal_team_id(self) -> str:
        return (self.key.personal_team_id if self.key else "") or ""

    @property
    def my_upstream_id(self) -> str:
        """The user's own upstream id, as learnt so far ("" when not yet known)."""
        return (self.key.upstream_user_id if self.key else "") or ""

    @cached_property
    def teams(self) -> list[Team]:
        """The personal workspace first, then every saved team."""
        return [personal(self.personal_team_id)] + [
            Team(saved.team_id, saved.label) for saved in self.saved
        ]

    def find(self, key: str | None) -> Team | None:
        """The team a URL or form names, if it is the personal workspace or a saved team."""
        key = (key or "").strip().lower()
        if not key or key == PERSONAL or key == self.personal_team_id:
            return self.teams[0]
        return next((team for team in self.teams[1:] if team.id == key), None)

    @property
    def default_team(self) -> Team:
        """The team to open where a URL names none: the last used, else the personal one."""
        return self.find(self.last_team_key) or self.teams[0]

    @property
    def page_team(self) -> Team:
        """The page's team, or the default team on pages of no team."""
        return self.team or self.default_team

    @property
    def client(self) -> UpstreamClient:
        """A client on the active key, in the page's team."""
        return self.client_in(self.page_team)

    def client_in(self, team: Team) -> UpstreamClient:
        """A client on the active key in ``team`` (raises NoApiKeyError without a key)."""
        if team.key not in self._clients:
            self._clients[team.key] = self._base_client().for_team(team.id)
        return self._clients[team.key]

    def _base_client(self) -> UpstreamClient:
        if "" not in self._clients:
            if self.key is None:
                raise NoApiKeyError()
            self._clients[""] = client_for_key(self.key)
        return self._clients[""]
