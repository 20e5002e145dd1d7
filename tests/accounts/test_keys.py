"""API keys: checked before saving, encrypted at rest, never shown again, one user's own."""

from __future__ import annotations

import logging

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection
from django.utils.log import AdminEmailHandler

from dashboard.accounts import crypto, services
from dashboard.accounts.models import ApiKey
from dashboard.audit.models import ActionLog
from tests.conftest import Web, make_dashboard_user

pytestmark = pytest.mark.django_db(transaction=True)


def database_text() -> str:
    """Every row of every table, as text: what an attacker with the database would read."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - table names from Django
            chunks.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(chunks)


def signed_in_without_key(live_server, username="carol") -> Web:
    make_dashboard_user(username)
    web = Web(live_server.url)
    web.login(username)
    return web


def test_first_run_lands_on_a_friendly_page_that_links_to_keys(org, live_server):
    web = signed_in_without_key(live_server)
    page = web.get("/")
    assert page.status_code == 200
    assert "/keys/welcome/" in page.url
    assert "Find your API key" in page.text
    assert 'href="/keys/"' in page.text


def test_a_key_is_checked_saved_masked_and_becomes_active(org, live_server):
    web = signed_in_without_key(live_server)
    saved = web.post("/keys/", {"label": "Laptop", "api_key": org.alice.api_key})
    # The first key leads on to what comes next: the Teams page (see test_first_day).
    assert saved.status_code == 200 and saved.url.endswith("/teams/?first=1")
    assert "Laptop" in saved.text
    keys_page = web.get("/keys/")
    assert "Laptop" in keys_page.text and org.alice.api_key[-4:] in keys_page.text
    assert "just now" in keys_page.text and "0 minutes ago" not in keys_page.text
    assert org.alice.api_key not in saved.text
    key = ApiKey.objects.get(label="Laptop")
    assert key.is_active and key.last4 == org.alice.api_key[-4:]
    assert key.personal_team_id == org.alice.personal_team_id or key.personal_team_id == ""
    overview = web.get("/")
    assert overview.status_code == 200 and org.alice.api_key not in overview.text
    assert ActionLog.objects.filter(action="key.added", outcome="success").count() == 1


def test_a_rejected_key_is_not_saved_and_the_form_says_why(org, live_server):
    web = signed_in_without_key(live_server)
    refused = web.post("/keys/", {"label": "Typo", "api_key": "sk-not-a-real-key-0000"})
    assert refused.status_code == 400
    assert "rejected this key (401)" in refused.text
    assert "sk-not-a-real-key-0000" not in refused.text  # the field is not re-rendered
    assert not ApiKey.objects.exists()
    assert ActionLog.objects.get(action="key.added").outcome == "refused"


def test_the_key_is_never_stored_in_plaintext(org, live_server):
    web = signed_in_without_key(live_server)
    web.post("/keys/", {"label": "Laptop", "api_key": org.alice.api_key})
    assert ApiKey.objects.count() == 1
    text = database_text()
    assert org.alice.api_key not in text
    assert org.alice.api_key.encode().hex() not in text
    assert crypto.decrypt(ApiKey.objects.get().ciphertext) == org.alice.api_key


def test_make_active_and_delete_with_confirmation(org, live_server):
    web = signed_in_without_key(live_server)
    web.post("/keys/", {"label": "Alice", "api_key": org.alice.api_key})
    web.post("/keys/", {"label": "Bob", "api_key": org.bob.api_key})
    alice_key, bob_key = ApiKey.objects.get(label="Alice"), ApiKey.objects.get(label="Bob")
    assert alice_key.is_active and not bob_key.is_active
    web.post(f"/keys/{bob_key.pk}/activate/")
    alice_key.refresh_from_db()
    bob_key.refresh_from_db()
    assert bob_key.is_active and not alice_key.is_active
    confirm = web.get(f"/keys/{bob_key.pk}/delete/")
    assert "Delete the key" in confirm.text and ApiKey.objects.filter(pk=bob_key.pk).exists()
    web.post(f"/keys/{bob_key.pk}/delete/")
    assert not ApiKey.objects.filter(pk=bob_key.pk).exists()
    alice_key.refresh_from_db()
    assert alice_key.is_active  # the remaining key takes over


def test_one_user_cannot_see_use_or_delete_anothers_keys(org, alice_web, live_server):
    alice_key = ApiKey.objects.get(user__username="alice")
    mallory = signed_in_without_key(live_server, "mallory")
    page = mallory.get("/keys/")
    assert alice_key.label not in page.text
    assert mallory.post(f"/keys/{alice_key.pk}/activate/").status_code == 404
    assert mallory.get(f"/keys/{alice_key.pk}/delete/").status_code == 404
    assert mallory.post(f"/keys/{alice_key.pk}/delete/").status_code == 404
    assert ApiKey.objects.filter(pk=alice_key.pk, is_active=True).exists()
    # Still nothing of alice's reaches mallory's pages: she has no key of her own.
    assert "/keys/welcome/" in mallory.get("/").url


def test_a_key_unreadable_with_the_configured_encryption_keys_is_an_error_not_ciphertext(
    org, alice_web, settings
):
    settings.DASHBOARD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(crypto.KeyDecryptionError):
        crypto.decrypt(ApiKey.objects.get(user__username="alice").ciphertext)
    page = alice_web.get("/")
    assert page.status_code == 503
    assert "cannot be decrypted" in page.text
    assert "gAAAAA" not in page.text  # no Fernet token in the page


def test_rotation_reencrypts_under_the_newest_key(org, alice_web, settings):
    old = list(settings.DASHBOARD_ENCRYPTION_KEYS)
    new = Fernet.generate_key().decode()
    settings.DASHBOARD_ENCRYPTION_KEYS = [new, *old]
    call_command("rotate_key_encryption")
    settings.DASHBOARD_ENCRYPTION_KEYS = [new]
    assert crypto.decrypt(ApiKey.objects.get().ciphertext) == org.alice.api_key
    assert alice_web.get("/").status_code == 200


@pytest.fixture
def error_reports(settings, mailoutbox, monkeypatch):
    """What the admins are mailed when a request crashes: Django's own report through the
    logging in place, with its HTML part on, so the local variables of every frame are in it
    (as error trackers record them), cleansed as in production."""
    settings.ADMINS = [("Ops", "ops@example.org")]
    mailers = [h for h in logging.getLogger("django").handlers if isinstance(h, AdminEmailHandler)]
    assert mailers, "no AdminEmailHandler on the django logger"
    for handler in mailers:
        monkeypatch.setattr(handler, "include_html", True)
    return mailoutbox


def report_text(message) -> str:
    """A mailed report whole: its text and its HTML part."""
    return message.body + "".join(content for content, _ in message.alternatives)


def test_keys_stay_out_of_error_reports(org, live_server, monkeypatch, error_reports):
    """The key page crashes after the key was read and while it is being checked: neither the
    posted form nor the local variables of the view and the service show it."""

    def crash(*args, **kwargs):
        raise RuntimeError("identity lookup crashed")

    web = signed_in_without_key(live_server)
    monkeypatch.setattr(services, "learned_from_personal", crash)
    response = web.post("/keys/", {"label": "Laptop", "api_key": org.alice.api_key})
    assert response.status_code == 500
    [report] = error_reports
    text = report_text(report)
    assert "identity lookup crashed" in text and "Laptop" in text  # the crash, with its data
    assert "add_key" in text and "check_key" in text  # the frames that held the key
    assert "plaintext" in text and "********************" in text  # their variables, cleansed
    assert org.alice.api_key not in text


def test_a_stored_key_stays_out_of_error_reports(org, alice_web, monkeypatch, error_reports):
    """A page crashes just after the stored key was decrypted for an upstream call."""

    class BrokenClock:
        @staticmethod
        def now():
            raise RuntimeError("clock crashed")

    monkeypatch.setattr(services, "timezone", BrokenClock)
    assert alice_web.get("/").status_code == 500
    [report] = error_reports
    text = report_text(report)
    assert "clock crashed" in text and "client_for_key" in text
    assert "plaintext" in text and "********************" in text
    assert org.alice.api_key not in text


@pytest.mark.parametrize("key", ["sk-ключ✓-0000", "sk-café-0000"])
def test_a_key_with_other_than_ascii_characters_is_refused_as_such(org, live_server, key):
    """Such a key cannot be sent in a header: the form says what is wrong with it, and asks
    the upstream nothing."""
    web = signed_in_without_key(live_server)
    refused = web.post("/keys/", {"label": "Pasted", "api_key": key})
    assert refused.status_code == 400
    assert "only plain letters, digits and punctuation (ASCII)" in refused.text
    assert "not available" not in refused.text and not ApiKey.objects.exists()


def test_a_form_sent_without_its_token_gets_the_products_page(org, live_server):
    """An expired page or session: the product's page saying what happened, not Django's."""
    web = signed_in_without_key(live_server)
    web.http.cookies.pop("csrftoken", None)
    answer = web.http.post(
        web.url("/keys/"), data={"label": "x", "api_key": "sk-abcdefgh"}, timeout=30
    )
    assert answer.status_code == 403
    assert 'data-testid="csrf-failure"' in answer.text and "This form has expired" in answer.text
    assert "DEBUG" not in answer.text and "CSRF verification failed" not in answer.text
    assert not ApiKey.objects.exists()
