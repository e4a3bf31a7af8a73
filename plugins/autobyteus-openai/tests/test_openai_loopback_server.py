"""The testing kit's loopback server, through the standard library's HTTP client."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from typing import Any

import pytest
from autobyteus_openai.testing import OpenAIServer, ScriptedReply


def _post(server: OpenAIServer, body: dict[str, Any], key: str | None = None) -> tuple[int, Any]:
    request = urllib.request.Request(
        server.url + "/chat/completions",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "X-Trace": "t1"}
        | ({"Authorization": f"Bearer {key}"} if key else {}),
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _chat(prompt: str, **extra: Any) -> dict[str, Any]:
    return {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": prompt}], **extra}


def test_rules_win_over_the_queue_and_run_out(openai_server: OpenAIServer):
    openai_server.queue("from the queue")
    openai_server.on(r"plan", "from the rule", times=1)
    openai_server.on(r"dynamic", lambda body: f"echo {len(body['messages'])}")

    replies = [
        _post(openai_server, _chat(p))[1]["choices"][0]["message"]["content"]
        for p in ("make a plan", "make a plan", "dynamic")
    ]

    assert replies == ["from the rule", "from the queue", "echo 1"]


def test_unscripted_request_is_a_clear_500(openai_server: OpenAIServer):
    status, body = _post(openai_server, _chat("anything"))

    assert status == 500
    assert "no scripted reply" in body["error"]["message"]


def test_usage_counts_words_unless_scripted(openai_server: OpenAIServer):
    openai_server.queue("three word reply", ScriptedReply(text="x", prompt_tokens=5))

    first = _post(openai_server, _chat("two words"))[1]["usage"]
    second = _post(openai_server, _chat("two words"))[1]["usage"]

    assert first == {"prompt_tokens": 2, "completion_tokens": 3, "total_tokens": 5}
    assert second == {"prompt_tokens": 5, "completion_tokens": 1, "total_tokens": 6}


def test_request_log_keeps_headers_but_never_credentials(openai_server: OpenAIServer):
    openai_server.api_key = "sk-loopback-secret"
    openai_server.default_reply = "fine"

    assert _post(openai_server, _chat("hi"), key="sk-loopback-secret")[0] == 200
    assert _post(openai_server, _chat("hi"), key="sk-wrong")[0] == 401

    for request in openai_server.requests:
        assert "authorization" not in request.headers
        assert request.headers["x-trace"] == "t1"
        assert "sk-" not in json.dumps(request.headers)
    assert [r.status for r in openai_server.requests] == [200, 401]
    assert openai_server.requests[0].prompt == "hi"


def test_unknown_model_and_models_listing(openai_server: OpenAIServer):
    openai_server.models = ["a-model", "b-model"]

    status, body = _post(openai_server, _chat("hi"))
    with urllib.request.urlopen(openai_server.url + "/models", timeout=10) as response:
        listing = json.loads(response.read())

    assert status == 404 and body["error"]["code"] == "model_not_found"
    assert [m["id"] for m in listing["data"]] == ["a-model", "b-model"]


def test_any_model_accepted_when_models_is_none():
    with OpenAIServer(models=None, default_reply="ok") as server:
        assert _post(server, {**_chat("hi"), "model": "whatever"})[0] == 200


def test_latency_is_added_to_every_reply(openai_server: OpenAIServer):
    openai_server.latency_s = 0.3
    openai_server.default_reply = "ok"

    _post(openai_server, _chat("one"))
    _post(openai_server, _chat("two"))

    assert openai_server.gaps()[0] >= 0.3


def test_stop_wakes_slow_replies_and_is_idempotent():
    server = OpenAIServer(default_reply=ScriptedReply.slow(600)).start()
    outcome: list[object] = []

    def call() -> None:
        try:
            outcome.append(_post(server, _chat("wait")))
        except Exception as exc:  # closed under the waiting client: a reset, a cut response,
            outcome.append(exc)  # or a 5xx, depending on when the close lands

    client = threading.Thread(target=call, daemon=True)
    client.start()
    while not server.requests:
        time.sleep(0.01)
    server.stop()
    server.stop()
    client.join(timeout=30)

    assert not client.is_alive() and outcome
    with pytest.raises(RuntimeError, match="not started"):
        _ = server.url


def test_replies_are_sent_without_nagle_delay(openai_server: OpenAIServer):
    """Headers and body go out in separate writes; with Nagle's algorithm on, a kept-alive
    connection held the body back until the client's delayed ACK (about 40 ms a call)."""
    import http.client
    import socket

    openai_server.queue("one")
    connection = http.client.HTTPConnection("127.0.0.1", openai_server.port, timeout=10)
    try:
        body = json.dumps(_chat("hello"))
        connection.request(
            "POST", "/v1/chat/completions", body, {"Content-Type": "application/json"}
        )
        assert connection.getresponse().read()
        with openai_server._lock:
            sockets = list(openai_server._connections)
        assert sockets, "the kept-alive connection is still open on the server"
        for sock in sockets:
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
    finally:
        connection.close()
