"""With PRODUCTION=true the dashboard refuses to start without the secrets and the upstream
every app server must share, ``check --deploy`` rejects an unusable encryption key, and the
sandbox upstream (its routes and its tables) is there only where it is asked for or under test.

Settings are read once per process, so each case starts Django in a fresh process with an
environment of its own."""

from __future__ import annotations

import re
import secrets
import textwrap

import pytest
from cryptography.fernet import Fernet

from tests.security.processes import ROOT, environment, manage, probe, run

# Each variable production requires, and a piece of the advice its start-up error must give.
REQUIRED = {
    "SECRET_KEY": "secrets.token_urlsafe(50)",
    "DASHBOARD_ENCRYPTION_KEYS": "Fernet.generate_key()",
    "UPSTREAM_BASE_URL": "https://flow.seekr.com",
}


def documented(tmp_path, **overrides: str | None) -> dict[str, str]:
    """The variables README's Deployment section says to set (``None`` leaves one out), with
    an upload spool folder that exists."""
    spool = tmp_path / "dashboard-uploads"
    spool.mkdir(exist_ok=True)
    variables = {
        "PRODUCTION": "true",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DASHBOARD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "ALLOWED_HOSTS": "dash.example.com",
        "CSRF_TRUSTED_ORIGINS": "https://dash.example.com",
        "DATABASE_URL": "postgres://dashboard@db:5432/dashboard",
        "CACHE_URL": "rediscache://redis:6379/0",
        "UPSTREAM_BASE_URL": "https://flow.seekr.com",
        "STATICFILES_BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage",
        "FILE_UPLOAD_TEMP_DIR": str(spool),
        "AXES_PROXY_COUNT": "1",
    }
    variables.update(overrides)
    return {name: value for name, value in variables.items() if value is not None}


def deployment_section() -> str:
    readme = (ROOT / "README.md").read_text()
    return readme.split("\n## Deployment", 1)[1].split("\n## ", 1)[0]


@pytest.mark.parametrize("value", [None, ""], ids=["unset", "empty"])
@pytest.mark.parametrize("name", list(REQUIRED))
def test_production_refuses_to_start_without_a_shared_secret_or_upstream(tmp_path, name, value):
    var_dir = tmp_path / "var"
    env = environment(var_dir, **documented(tmp_path, **{name: value}))

    # What gunicorn does first: import the WSGI application.
    started = run(["-c", "import dashboard.wsgi"], env)
    assert started.returncode != 0, "started without " + name
    assert "django.core.exceptions.ImproperlyConfigured" in started.stderr
    error = started.stderr.rsplit("ImproperlyConfigured", 1)[1]
    assert name in error and REQUIRED[name] in error, started.stderr
    for other in set(REQUIRED) - {name}:
        assert other not in error, "named a variable that is set"

    checked = manage(env, "check", "--deploy")
    assert checked.returncode != 0 and name in checked.stderr
    # No app server makes up a secret of its own, nor turns the sandbox on.
    assert not var_dir.exists() or not any(var_dir.iterdir())


def test_production_names_every_missing_variable_at_once(tmp_path):
    env = environment(
        tmp_path / "var", **documented(tmp_path, **dict.fromkeys(REQUIRED, None))
    )
    started = run(["-c", "import dashboard.wsgi"], env)
    assert started.returncode != 0
    error = started.stderr.rsplit("ImproperlyConfigured", 1)[1]
    for name, advice in REQUIRED.items():
        assert name in error and advice in error, started.stderr


def test_production_with_the_documented_variables_passes_check_deploy(tmp_path):
    var_dir = tmp_path / "var"
    variables = documented(tmp_path)
    section = deployment_section()
    for name in variables:
        assert f"`{name}`" in section, f"README's Deployment section does not mention {name}"
    env = environment(var_dir, **variables)

    checked = manage(env, "check", "--deploy", "--fail-level", "WARNING")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "System check identified no issues" in checked.stdout

    shown = probe(
        env,
        "SANDBOX_ENABLED",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_HSTS_SECONDS",
        "SECURE_SSL_REDIRECT",
        "UPSTREAM_BASE_URL",
    )
    assert shown["settings"] == {
        "SANDBOX_ENABLED": False,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_HSTS_SECONDS": 31_536_000,
        "SECURE_SSL_REDIRECT": True,
        "UPSTREAM_BASE_URL": "https://flow.seekr.com",
    }
    # Neither the sandbox's routes nor its models (so no tables of its own are migrated).
    assert shown["sandbox_installed"] is False
    assert shown["sandbox_served"] is False
    assert not var_dir.exists() or not any(var_dir.iterdir())


@pytest.mark.parametrize(
    "keys, entry",
    [
        ("not-a-fernet-key", "1 of 1"),
        (Fernet.generate_key().decode() + ",c2hvcnQ=", "2 of 2"),
    ],
    ids=["garbage", "second-too-short"],
)
def test_an_unusable_encryption_key_fails_check_deploy(tmp_path, keys, entry):
    env = environment(tmp_path / "var", **documented(tmp_path, DASHBOARD_ENCRYPTION_KEYS=keys))

    checked = manage(env, "check", "--deploy")
    assert checked.returncode != 0
    output = checked.stdout + checked.stderr
    assert "dashboard.E001" in output, output
    assert f"DASHBOARD_ENCRYPTION_KEYS entry {entry}" in output
    assert "Fernet.generate_key()" in output
    assert "Traceback" not in output
    for key in keys.split(","):
        assert key not in output, "the check repeated a key"


def test_an_unusable_encryption_key_fails_every_check_outside_production_too(tmp_path):
    env = environment(tmp_path / "var", DASHBOARD_ENCRYPTION_KEYS="not-a-fernet-key")
    checked = manage(env, "check")
    assert checked.returncode != 0
    assert "dashboard.E001" in checked.stderr


def test_by_default_the_sandbox_is_installed_and_served(tmp_path):
    shown = probe(environment(tmp_path / "var"), "SANDBOX_ENABLED")
    assert shown == {
        "settings": {"SANDBOX_ENABLED": True},
        "sandbox_installed": True,
        "sandbox_served": True,
    }


def test_with_a_remote_upstream_the_sandbox_is_not_served(tmp_path):
    env = environment(tmp_path / "var", UPSTREAM_BASE_URL="https://flow.example.com")
    shown = probe(env, "SANDBOX_ENABLED")
    assert shown["settings"] == {"SANDBOX_ENABLED": False}
    assert shown["sandbox_served"] is False


def test_production_serves_the_sandbox_only_when_asked(tmp_path):
    shown = probe(environment(tmp_path / "var", **documented(tmp_path, SANDBOX_ENABLED="true")))
    assert shown["sandbox_installed"] is True
    assert shown["sandbox_served"] is True


def test_under_pytest_the_sandbox_is_served_whatever_the_environment(tmp_path):
    """The tests point UPSTREAM_BASE_URL at the live server's /sandbox only once running, so a
    shell's UPSTREAM_BASE_URL or SANDBOX_ENABLED must not take the sandbox away from them."""
    inner = tmp_path / "test_inner.py"
    inner.write_text(
        textwrap.dedent(
            """
            from django.conf import settings
            from django.urls import resolve


            def test_sandbox_is_there():
                assert "dashboard.sandbox" in settings.INSTALLED_APPS
                assert resolve("/sandbox/v1/files").route.startswith("sandbox/")
            """
        )
    )
    env = environment(
        tmp_path / "var",
        UPSTREAM_BASE_URL="https://flow.example.com",
        SANDBOX_ENABLED="false",
        PYTHONPATH=str(ROOT),
    )
    result = run(
        ["-m", "pytest", "-q", "-p", "no:cacheprovider", "-c", str(ROOT / "pyproject.toml"),
         "--rootdir", str(tmp_path), str(inner)],
        env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"\b1 passed\b", result.stdout)


def test_a_list_cache_in_each_processs_own_memory_is_warned_about(tmp_path):
    own_memory = environment(tmp_path / "var", LIST_CHANGES_CACHE_URL="locmemcache://")
    checked = manage(own_memory, "check")
    assert "dashboard.W010" in checked.stderr + checked.stdout
    assert "job worker" in checked.stderr + checked.stdout

    by_default = manage(environment(tmp_path / "var"), "check")
    assert by_default.returncode == 0 and "W010" not in by_default.stderr + by_default.stdout
    switched_off = environment(tmp_path / "var", LIST_CHANGES_CACHE_URL="locmemcache://",
                               UPSTREAM_LIST_CACHE_SECONDS="0")
    assert "W010" not in (lambda r: r.stderr + r.stdout)(manage(switched_off, "check"))


def test_list_change_marks_in_files_beside_a_database_for_several_hosts_are_warned_about(
    tmp_path,
):
    several_hosts = environment(tmp_path / "var", DATABASE_URL="postgres://db.example/dashboard")
    checked = manage(several_hosts, "check")
    assert "dashboard.W010" in checked.stderr + checked.stdout
    assert "files on this host" in checked.stderr + checked.stdout
