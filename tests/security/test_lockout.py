"""Sign-in lockout counts failures per account and client address: behind the reverse proxy
that address comes from X-Forwarded-For, and without a proxy a client's X-Forwarded-For is
ignored."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD, Web, make_dashboard_user
from tests.security.processes import environment, probe

pytestmark = pytest.mark.django_db(transaction=True)

# Every setting that decides the client address axes records (axes reads them per request).
ADDRESS_SETTINGS = (
    "AXES_CLIENT_IP_CALLABLE",
    "AXES_IPWARE_PROXY_COUNT",
    "AXES_IPWARE_PROXY_ORDER",
    "AXES_IPWARE_PROXY_TRUSTED_IPS",
    "AXES_IPWARE_META_PRECEDENCE_ORDER",
    "IPWARE_ALGORITHM",
    "IPWARE_STRICT",
    "IPWARE_META_PROXY_COUNT",
    "IPWARE_META_PRECEDENCE_ORDER",
)

ATTACKER = "203.0.113.7"
OWNER = "198.51.100.9"


def use_address_settings(settings, tmp_path, **variables: str) -> None:
    """Give this process the client-address settings that ``dashboard.settings`` derives from
    ``variables`` at start-up (computed in a fresh process, as a server would)."""
    derived = probe(environment(tmp_path / "var", **variables), *ADDRESS_SETTINGS)["settings"]
    for name in ADDRESS_SETTINGS:
        if name in derived:
            setattr(settings, name, derived[name])
        elif hasattr(settings, name):
            delattr(settings, name)


def client(live_server, forwarded_for: str | None = None) -> Web:
    web = Web(live_server.url)
    if forwarded_for is not None:
        web.http.headers["X-Forwarded-For"] = forwarded_for
    web.get("/accounts/login/")
    return web


def fail(web: Web, username: str, **kwargs):
    return web.post("/accounts/login/", {"username": username, "password": "wrong"}, **kwargs)


def assert_refused_not_locked(response):
    assert response.status_code == 200 and "/accounts/login/" in response.url
    assert "Please enter a correct username and password" in response.text


def assert_locked_out(response):
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.text


def test_behind_one_proxy_a_lockout_holds_the_attackers_address_and_not_the_owner(
    live_server, settings, tmp_path
):
    from axes.models import AccessAttempt

    use_address_settings(settings, tmp_path, AXES_PROXY_COUNT="1")
    make_dashboard_user("erin", staff=True)

    # The proxy appends the address it was reached from; here the attacker sent no header.
    attacker = client(live_server, forwarded_for=ATTACKER)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert_refused_not_locked(fail(attacker, "erin"))
    assert_locked_out(fail(attacker, "erin"))

    # The account's owner, through the same proxy from another address, still gets in.
    owner = client(live_server, forwarded_for=OWNER)
    owner.login("erin")
    assert owner.get("/").status_code == 200
    assert "/accounts/login/" not in owner.last.url

    # Addresses the attacker writes in front of the one the proxy appended change nothing.
    attacker.http.headers["X-Forwarded-For"] = f"{OWNER}, unknown, 10.0.0.1, {ATTACKER}"
    right = attacker.post("/accounts/login/", {"username": "erin", "password": PASSWORD})
    assert_locked_out(right)
    assert list(AccessAttempt.objects.values_list("username", "ip_address")) == [
        ("erin", ATTACKER)
    ]


@pytest.mark.parametrize("proxy_count", [None, "0"], ids=["unset", "zero"])
def test_without_a_proxy_a_client_cannot_dodge_the_lockout_with_x_forwarded_for(
    live_server, settings, tmp_path, proxy_count
):
    from axes.models import AccessAttempt

    variables = {} if proxy_count is None else {"AXES_PROXY_COUNT": proxy_count}
    use_address_settings(settings, tmp_path, **variables)
    make_dashboard_user("erin")

    attacker = client(live_server)
    for n in range(1, settings.AXES_FAILURE_LIMIT):
        assert_refused_not_locked(
            fail(attacker, "erin", headers={"X-Forwarded-For": f"192.0.2.{n}"})
        )
    assert_locked_out(fail(attacker, "erin", headers={"X-Forwarded-For": "192.0.2.99"}))
    right = attacker.post(
        "/accounts/login/",
        {"username": "erin", "password": PASSWORD},
        headers={"X-Forwarded-For": OWNER},
    )
    assert_locked_out(right)
    # The address counted is the connection's own.
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"127.0.0.1"}
