"""The sandbox over plain HTTP: status codes, error bodies, headers, paging and the exact SSE
framing, which the SDK's exceptions and models partly hide."""

from __future__ import annotations

import io
import json
import socket
import time
import tracemalloc

import pytest
import requests
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st
from requests_toolbelt import MultipartEncoder

from dashboard.sandbox import conversations, factories, identity, storage
from dashboard.sandbox.models import SandboxFile


def _put_multipart(http, path: str, key: str, fields, **kwargs):
    """A streamed multipart PUT, as the SDK (and the dashboard) send uploads."""
    body = MultipartEncoder(fields=fields)
    headers = {"Content-Type": body.content_type}
    return http("PUT", path, key=key, data=body, headers=headers, **kwargs)


def _upload(http, key, *, name="data.jsonl", content=b'{"a": 1}\n', purpose="fine-tune"):
    """A PUT shaped exactly as the SDK sends it (purpose, files, filename-as-a-file-part)."""
    fields = {
        "purpose": purpose,
        "files": (name, io.BytesIO(content), "application/octet-stream"),
        "filename": ("upload", io.BytesIO(name.encode()), "application/octet-stream"),
    }
    return _put_multipart(http, "v1/flow/files", key, fields)


def _is_json_error(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    assert isinstance(body["detail"], str) and body["detail"]
    return body


# --- Authentication and teams ------------------------------------------------------------
def test_a_missing_or_unknown_key_is_401(org, http):
    _is_json_error(http("GET", "v1/flow/files"), 401)
    _is_json_error(http("GET", "v1/flow/files", key="sk-sbx-nobody"), 401)
    _is_json_error(http("GET", "v1/threads/", key=""), 401)


def test_the_key_works_with_or_without_bearer(org, http):
    assert http("GET", "v1/flow/files", key=org.alice.key).status_code == 200
    assert http("GET", "v1/flow/files", key=f"Bearer {org.alice.key}").status_code == 200


def test_403_says_the_same_whether_the_team_exists_or_not(org, http):
    answers = [
        http("GET", "v1/flow/files", key=org.alice.key, team=team).json()
        for team in (org.team_b_id, "00000000-0000-4000-8000-000000000000", "nonsense")
    ]
    assert answers[0] == answers[1] == answers[2] == {"detail": identity.NOT_A_MEMBER}
    _is_json_error(http("GET", "v1/flow/files", key=org.alice.key, team=org.team_b_id), 403)


def test_404_for_another_teams_resource_and_for_nothing_at_all(org, http):
    bobs = factories.create_file(org.team_b, org.bob.user)
    elsewhere = http("GET", f"v1/flow/files/{bobs.pk}", key=org.alice.key, team=org.team_a_id)
    nowhere = http("GET", "v1/flow/files/file-missing", key=org.alice.key, team=org.team_a_id)
    assert _is_json_error(elsewhere, 404)["detail"] == f"File {bobs.pk} not found."
    _is_json_error(nowhere, 404)
    _is_json_error(http("GET", f"v1/flow/files/{bobs.pk}/content", key=org.alice.key), 404)
    _is_json_error(http("GET", "v1/flow/projects/not-an-int", key=org.alice.key), 404)


def test_answers_are_an_apis_not_a_pages(org, http, live_server):
    """No session is read or set, and none of the dashboard's page headers is added: the
    sandbox answers as a remote upstream does, whatever the request carries. Each answer says
    its length, so the connection is kept; a host not allowed is refused as for any page."""
    page_headers = {"Content-Security-Policy", "X-Frame-Options", "Vary", "Set-Cookie"}
    answers = [
        http("GET", "v1/flow/files", key=org.alice.key, headers={"Cookie": "sessionid=x"}),
        http("GET", "v1/flow/files"),  # no key: 401
        http("POST", "v1/flow/files", key=org.alice.key),
        http("GET", "v1/nothing", key=org.alice.key),
    ]
    assert [answer.status_code for answer in answers] == [200, 401, 405, 404]
    for answer in answers:
        assert answer.headers["Content-Type"] == "application/json"
        assert page_headers.isdisjoint(answer.headers), sorted(answer.headers)
        assert answer.headers["Content-Length"] == str(len(answer.content))
        assert answer.headers.get("Connection", "").lower() != "close"
    elsewhere = http("GET", "v1/flow/files", key=org.alice.key, headers={"Host": "evil.example"})
    assert elsewhere.status_code == 400
    dashboard_page = requests.get(f"{live_server.url}/accounts/login/", timeout=30)
    assert {"Content-Security-Policy", "X-Frame-Options"} <= set(dashboard_page.headers)


# --- Paths, methods, bodies ----------------------------------------------------------------
@pytest.mark.parametrize("path", ["v2/flow/agents", "v1/threads", "v1/nothing", "v1/flow/files/"])
def test_unknown_paths_answer_json_404_and_never_redirect(org, http, path):
    _is_json_error(http("GET", path, key=org.alice.key), 404)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PATCH", "v1/flow/fine-tunes"),
        ("POST", "v1/flow/models"),
        ("GET", "v2/flow/agents/create"),
        ("DELETE", "v1/flow/deployments/dep-1"),
        ("GET", "v1/flow/files/validate_metadata"),
    ],
)
def test_other_methods_are_405_as_json(org, http, method, path):
    response = http(method, path, key=org.alice.key)
    _is_json_error(response, 405)
    assert response.headers["Allow"]


def test_bad_bodies_are_4xx_not_500(org, http):
    key = org.alice.key
    create = "v2/flow/agents/create"
    assert http("POST", create, key=key, data="{not json").status_code == 400
    assert http("POST", create, key=key, json=["a list"]).status_code == 422
    assert http("POST", create, key=key, json={"name": "x"}).status_code == 422
    no_model = {"name": "x", "instructions": "y"}
    assert http("POST", create, key=key, json=no_model).status_code == 422
    bad_tool = {**no_model, "model_id": factories.DEFAULT_MODEL, "tool_ids": ["tool-elsewhere"]}
    refused = http("POST", create, key=key, json=bad_tool)
    assert refused.status_code == 422
    assert [p["loc"] for p in refused.json()["detail"]] == [["body", "tool_ids", 0]]
    assert http("POST", "v1/threads/", key=key, json={"meta_data": "text"}).status_code == 422
    thread = conversations.create_thread(org.alice.user)
    messages = f"v1/threads/{thread.pk}/messages"
    assert http("POST", messages, key=key, json={"role": "user"}).status_code == 422
    assert http("POST", messages, key=key, json={"role": "boss", "content": "x"}).status_code == 422


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)
FIELDS = st.sampled_from(
    [
        "name",
        "instructions",
        "model_id",
        "tool_ids",
        "output",
        "temperature",
        "role",
        "content",
        "meta_data",
        "agent_id",
        "model_settings",
        "metadata",
        "purpose",
        "suffix",
        "size",
        "new_filename",
    ]
)


@hyp_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=st.dictionaries(FIELDS, JSON, max_size=6) | JSON)
def test_no_json_body_makes_the_sandbox_fail(org, http, body):
    """Whatever JSON a client sends, the answer is a success or a 4xx, never a 5xx."""
    key, team = org.alice.key, org.alice.personal
    agent = factories.create_agent(team, org.alice.user, name="A")
    thread = conversations.create_thread(org.alice.user)
    file = factories.create_file(team, org.alice.user)
    message = conversations.create_message(thread, "user", "hi")
    for method, path in (
        ("POST", "v2/flow/agents/create"),
        ("PATCH", f"v2/flow/agents/{agent.pk}"),
        ("POST", "v1/threads/"),
        ("POST", f"v1/threads/{thread.pk}/messages"),
        ("PATCH", f"v1/threads/{thread.pk}/messages/{message.pk}"),
        ("POST", f"v1/threads/{thread.pk}/runs"),
        ("POST", "v1/flow/files/validate_metadata"),
        ("PUT", f"v1/flow/files/{file.pk}/rename"),
    ):
        response = http(method, path, key=key, json=body)
        assert response.status_code < 500, (method, path, response.text)


@pytest.mark.parametrize(
    "query",
    ["limit=abc", "limit=0", "offset=-1", "sort_by=colour", "sort_order=up", "purpose=nope"],
)
def test_bad_list_parameters_are_422(org, http, query):
    _is_json_error(http("GET", f"v1/flow/files?{query}", key=org.alice.key), 422)


# --- Uploads -----------------------------------------------------------------------------------
def test_upload_is_refused_with_413_above_the_limit(org, http, settings):
    settings.SANDBOX_MAX_UPLOAD_BYTES = 1000
    _is_json_error(_upload(http, org.alice.key, content=b"x" * 2000), 413)
    assert not SandboxFile.objects.exists()
    assert _upload(http, org.alice.key, content=b"x" * 100).status_code == 200


@pytest.mark.parametrize(
    ("name", "purpose", "words"),
    [
        ("data.jsonl", "training", "purpose"),
        ("photo.png", "fine-tune", "file type"),
        ("noextension", "fine-tune", "file type"),
    ],
)
def test_upload_with_a_bad_purpose_or_type_is_400(org, http, name, purpose, words):
    response = _upload(http, org.alice.key, name=name, purpose=purpose)
    assert words in _is_json_error(response, 400)["detail"]
    assert not SandboxFile.objects.exists()


def test_upload_that_is_not_multipart_is_refused(org, http):
    response = http("PUT", "v1/flow/files", key=org.alice.key, json={"purpose": "fine-tune"})
    _is_json_error(response, 415)
    empty = _upload(http, org.alice.key, content=b"")
    assert "empty" in _is_json_error(empty, 400)["detail"]


def test_upload_takes_the_name_from_the_filename_part(org, http):
    fields = {
        "purpose": "fine-tune",
        "files": ("ignored.jsonl", io.BytesIO(b"{}\n"), "application/octet-stream"),
        "filename": ("upload", io.BytesIO(b"../../etc/real-name.jsonl"), "text/plain"),
    }
    response = _put_multipart(http, "v1/flow/files", org.alice.key, fields)
    assert response.json()["filename"] == "real-name.jsonl"


@pytest.mark.parametrize("missing", [10, 3000], ids=["closing-boundary", "inside-the-file"])
def test_an_upload_whose_body_stops_short_of_its_length_stores_nothing(org, http, missing):
    """As any HTTP server drops a request whose sender went away part-way."""
    content = b'{"a": 1}\n' * 1000
    body = MultipartEncoder(
        fields=[
            ("purpose", "fine-tune"),
            ("files", ("cut.jsonl", content, "application/octet-stream")),
            ("filename", ("upload", b"cut.jsonl", "application/octet-stream")),
        ]
    )
    whole = body.to_string()
    host, port = http.base.split("//")[1].split("/")[0].split(":")
    head = (
        f"PUT /sandbox/v1/flow/files HTTP/1.1\r\nHost: {host}:{port}\r\n"
        f"Authorization: {org.alice.key}\r\nContent-Type: {body.content_type}\r\n"
        f"Content-Length: {len(whole)}\r\nConnection: close\r\n\r\n"
    ).encode()
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(head + whole[:-missing])
        sock.shutdown(socket.SHUT_WR)  # the sender is gone
        answer = b""
        while piece := sock.recv(65536):
            answer += piece

    assert answer.startswith(b"HTTP/1.1 400"), answer[:200]
    assert b"nothing was stored" in answer
    assert not SandboxFile.objects.exists()


def test_bulk_upload_answers_a_bare_array(org, http):
    fields = [
        ("purpose", "alignment"),
        ("files", ("a.md", io.BytesIO(b"# a"), "text/markdown")),
        ("files", ("b.txt", io.BytesIO(b"b"), "text/plain")),
    ]
    response = _put_multipart(http, "v1/flow/bulk_files", org.alice.key, fields)
    assert [f["filename"] for f in response.json()] == ["a.md", "b.txt"]


def test_validate_metadata(org, http):
    def check(**body):
        return http("POST", "v1/flow/files/validate_metadata", key=org.alice.key, json=body)

    assert check(purpose="alignment", suffix="pdf", size=10).json() == {
        "is_valid": True,
        "errors": None,
    }
    refused = check(purpose="alignment", suffix="exe", size=10).json()
    assert refused["is_valid"] is False and "exe" in refused["errors"]
    assert check(purpose="alignment", suffix="pdf").status_code == 422


def test_a_large_upload_is_spooled_not_held_in_memory(org, http, settings, tmp_path):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    size = 96 * 1024 * 1024
    source = tmp_path / "big.jsonl"
    with source.open("wb") as out:
        out.truncate(size)  # a sparse file: no need to write 96 MiB first
    tracemalloc.start()
    try:
        with source.open("rb") as stream:
            fields = {"purpose": "pre-train", "files": ("big.jsonl", stream, "text/plain")}
            response = _put_multipart(http, "v1/flow/files", org.alice.key, fields, timeout=300)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert response.status_code == 200, response.text
    assert response.json()["bytes"] == size
    assert peak < 16 * 1024 * 1024, f"peak traced memory {peak} bytes"
    assert storage.file_path(SandboxFile.objects.get()).stat().st_size == size


# --- Downloads, deletes, lists -------------------------------------------------------------------
def test_content_has_its_length_and_is_never_compressed(org, http):
    content = b"line of training data\n" * 5000
    made = factories.create_file(org.alice.personal, org.alice.user, content=content)
    response = http(
        "GET",
        f"v1/flow/files/{made.pk}/content",
        key=org.alice.key,
        headers={"Accept-Encoding": "gzip, deflate"},
    )
    assert response.status_code == 200
    assert response.headers["Content-Length"] == str(len(content))
    assert "Content-Encoding" not in response.headers
    assert response.content == content


def test_deletes_without_a_body_answer_204(org, http):
    vdb = factories.create_vector_db(org.alice.personal, org.alice.user, name="v")
    job = factories.create_data_job(org.alice.personal, org.alice.user, name="j")
    for path in (f"v1/flow/vectordb/{vdb.pk}", f"v1/flow/data-jobs/{job.pk}"):
        response = http("DELETE", path, key=org.alice.key)
        assert (response.status_code, response.content) == (204, b"")


def test_list_wrappings_and_paging_styles(org, http):
    team, user, key = org.alice.personal, org.alice.user, org.alice.key
    for index in range(130):
        factories.create_file(team, user, filename=f"f{index:03d}.jsonl")
    for index in range(3):
        factories.create_deployment(team, user, name=f"dep {index}")
        factories.create_tool(team, user, name=f"tool {index}")
        factories.create_data_job(team, user, name=f"job {index}")

    files = http("GET", "v1/flow/files", key=key).json()
    assert (files["object"], len(files["data"])) == ("list", 100)  # the default page
    rest = http("GET", "v1/flow/files?limit=100&offset=100", key=key).json()["data"]
    assert len(rest) == 30
    assert not {f["id"] for f in rest} & {f["id"] for f in files["data"]}

    deployments = http("GET", "v1/flow/deployments?skip=1&limit=1", key=key).json()
    assert list(deployments) == ["data"] and len(deployments["data"]) == 1
    assert isinstance(deployments["data"][0]["user_id"], int)
    tools = http("GET", "v1/flow/tools?offset=0&limit=2", key=key).json()
    assert (len(tools["data"]), tools["total"]) == (2, 3)
    assert isinstance(tools["data"][0]["user_id"], str)
    jobs = http("GET", "v1/flow/data-jobs?limit=1&offset=2", key=key).json()
    assert (jobs["object"], [j["name"] for j in jobs["data"]]) == ("list", ["job 0"])
    assert isinstance(http("GET", "v1/threads/?limit=20&order=desc", key=key).json(), list)


# --- The SSE stream ----------------------------------------------------------------------------
def test_stream_framing_is_exactly_data_lines_and_done(org, http, settings):
    settings.SANDBOX_STREAM_DELAY_MS = 60
    agent = factories.create_agent(org.alice.personal, org.alice.user, name="Echo")
    thread = conversations.create_thread(org.alice.user)
    conversations.create_message(thread, "user", "a b c d e f")
    started = time.monotonic()
    response = http(
        "POST",
        f"v1/threads/{thread.pk}/runs/stream/vercel",
        key=org.alice.key,
        json={"agent_id": agent.pk, "model_settings": {}},
        stream=True,
    )
    assert response.headers["Content-Type"].startswith("text/event-stream")
    arrivals, raw = [], b""
    for byte in response.iter_content(chunk_size=1):  # byte by byte, to see when each came
        raw += byte
        if raw.endswith(b"\n\n"):
            arrivals.append(time.monotonic() - started)
    lines = raw.split(b"\n")
    assert lines[-3:] == [b"data: [DONE]", b"", b""]
    events = lines[:-3]
    assert all(line.startswith(b"data: {") for line in events[0::2])
    assert all(line == b"" for line in events[1::2])
    parsed = [json.loads(line[len(b"data: ") :]) for line in events[0::2]]
    assert parsed[-1] == {"type": "finish"}
    # It streams: the first events arrive well before the last.
    assert arrivals[0] < arrivals[-1] - 0.3
