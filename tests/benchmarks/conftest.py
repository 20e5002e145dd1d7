"""What every benchmark needs: the test live server answering without delayed ACKs, and the SDK
quiet."""

from __future__ import annotations

import logging

import pytest


@pytest.fixture(autouse=True)
def no_delayed_acks(monkeypatch):
    """The test live server (Python's ``http.server`` underneath) sends a response in several
    small writes; with keep-alive connections, Nagle's algorithm and delayed ACKs then hold each
    answer back by about 40 ms. That is a property of the test server, not of the dashboard or
    of a real upstream, so it is switched off (TCP_NODELAY) for every connection it accepts."""
    from django.core.servers.basehttp import WSGIRequestHandler

    monkeypatch.setattr(WSGIRequestHandler, "disable_nagle_algorithm", True)


@pytest.fixture(autouse=True)
def quiet_sdk():
    """The SDK's HTTP client logs every request; the figures are what is read here."""
    logger = logging.getLogger("httpx")
    level = logger.level
    logger.setLevel(logging.WARNING)
    yield
    logger.setLevel(level)


@pytest.fixture
def event_loop_thread():
    """An event loop in its own thread for the whole test, for the SDK's async client."""
    from tests.benchmarks.measure import EventLoop

    loop = EventLoop()
    yield loop
    loop.close()


def fill_team(team, user, count: int) -> None:
    """``count`` items of every kind the overview and the audit show, in ``team``."""
    from dashboard.sandbox import factories

    for n in range(count):
        factories.create_file(team, user, filename=f"data-{n}.jsonl")
        factories.create_fine_tune(team, user, experiment_name=f"run-{n}")
        factories.create_agent(team, user, name=f"agent-{n}")
        factories.create_deployment(team, user, name=f"deployment-{n}")
        factories.create_vector_db(team, user, name=f"kb-{n}")
        factories.create_project(team, user, name=f"project-{n}")
        factories.create_tool(team, user, name=f"tool-{n}")
        factories.create_data_job(team, user, name=f"job-{n}")
