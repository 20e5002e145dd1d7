"""Run the project's settings in a separate Python process with an environment of the test's
choosing, since settings are read once, when a process starts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Variables that change what the settings decide; a subprocess starts without any of them
# (whatever the shell running the tests exports) and gets only those a test passes.
SETTINGS_VARIABLES = (
    "PRODUCTION",
    "DEBUG",
    "SECRET_KEY",
    "DASHBOARD_ENCRYPTION_KEYS",
    "SEEKR_BASE_URL",
    "UPSTREAM_BASE_URL",
    "UPSTREAM_PROFILE",
    "SANDBOX_ENABLED",
    "AXES_PROXY_COUNT",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "DATABASE_URL",
    "CACHE_URL",
    "SESSION_ENGINE",
    "STATICFILES_BACKEND",
    "FILE_UPLOAD_TEMP_DIR",
    "BEHIND_PROXY",
    "SECURE_COOKIES",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "PORT",
)


def environment(var_dir: Path, **variables: str) -> dict[str, str]:
    """The current environment less the settings' variables and pytest's own, plus
    ``variables``; ``var_dir`` stands in for the project's ``var/`` folder."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in SETTINGS_VARIABLES and not name.startswith(("PYTEST", "DJANGO_"))
    }
    env["DJANGO_SETTINGS_MODULE"] = "dashboard.settings"
    env["DASHBOARD_VAR_DIR"] = str(var_dir)
    env.update(variables)
    return env


def run(args: list[str], env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return run(["manage.py", *args], env)


PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.urls import Resolver404, resolve

def served(path):
    try:
        return resolve(path).route.startswith("sandbox/")
    except Resolver404:
        return False

names = {names!r}
missing = object()
found = {{n: getattr(settings, n, missing) for n in names}}
print(json.dumps({{
    "settings": {{n: v for n, v in found.items() if v is not missing}},
    "sandbox_installed": "dashboard.sandbox" in settings.INSTALLED_APPS,
    "sandbox_served": served("/sandbox/v1/files"),
}}))
"""


def probe(env: dict[str, str], *names: str) -> dict:
    """Start Django with ``env`` and report the named settings (those that are defined),
    whether the sandbox app is installed, and whether ``/sandbox/`` is routed."""
    result = run(["-c", PROBE.format(names=list(names))], env, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])
