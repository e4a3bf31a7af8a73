"""A loopback OpenAI-compatible HTTP server for tests, standard library only.

Provider authors test their client against it through the real SDK instead of patching it::

    from autobyteus_openai.testing import OpenAIServer, ScriptedReply

    with OpenAIServer(models=["gpt-4o-mini"]) as server:
        server.queue("first reply", ScriptedReply.rate_limited(retry_after_s=1), "after retry")
        client = AsyncOpenAI(base_url=server.url, api_key="sk-test", max_retries=0)
        ...
        assert [r.status for r in server.completion_requests] == [200, 429, 200]

The pytest fixture ``openai_server`` (from the ``autobyteus`` pytest plugin) yields a started
server and stops it after the test.

It serves ``POST /v1/chat/completions`` (JSON, or server-sent events when ``"stream": true``, with
a final usage chunk when ``stream_options.include_usage`` is asked and ``stream_usage`` is on) and
``GET /v1/models``. Replies come from rules (a regex searched in the last user message) first, then
from a queue; a reply is a string, a :class:`ScriptedReply` (which can also be a fault: any status
with an OpenAI-style error body and headers such as ``Retry-After``, a delay, a stream cut after
some chunks, malformed JSON) or a function of the request body returning either. A request naming
a model not in ``models`` gets 404 ``model_not_found``; with ``api_key`` set, a request without
the matching bearer token gets 401. Every request is logged in :attr:`OpenAIServer.requests` with
its arrival time (``time.monotonic()``), path, body and headers (credentials removed).

Unscripted usage counts whitespace-separated words, so tests can predict it.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import re
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

__all__ = ["OpenAIServer", "RecordedRequest", "ScriptedReply"]

CHAT_PATH = "/v1/chat/completions"
MODELS_PATH = "/v1/models"
_CREDENTIAL_HEADERS = frozenset({"authorization", "api-key", "x-api-key", "proxy-authorization"})


class _LoopbackHTTPServer(ThreadingHTTPServer):
    """A threading server with a listen backlog deep enough for many concurrent clients (the
    standard library's default of 5 drops connections when a workflow opens 16 at once)."""

    request_queue_size = 128


@dataclass
class ScriptedReply:
    """One reply of the loopback server: a normal answer or a fault.

    ``status`` >= 400 sends ``error`` as an OpenAI-style error body. ``delay_s`` waits before
    answering (added to the server's ``latency_s``). ``prompt_tokens``/``completion_tokens``
    override the word-count usage. ``chunks`` sets how a streamed reply is split (default: one
    piece per word). ``cut_after_chunks`` drops the connection after that many content chunks of
    a stream (or halfway through a JSON body). ``malformed`` sends invalid JSON (an invalid event
    in a stream).
    """

    text: str = "ok"
    status: int = 200
    error: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    finish_reason: str = "stop"
    chunks: list[str] | None = None
    cut_after_chunks: int | None = None
    malformed: bool = False

    @classmethod
    def fault(
        cls,
        status: int,
        message: str,
        *,
        type: str = "server_error",
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> ScriptedReply:
        """An HTTP error reply with an OpenAI-style error body."""
        error = {"message": message, "type": type, "param": None, "code": code}
        return cls(text="", status=status, error=error, headers=dict(headers or {}))

    @classmethod
    def rate_limited(
        cls, retry_after_s: float | None = 1.0, *, retry_after_ms: int | None = None
    ) -> ScriptedReply:
        """429 with ``Retry-After`` (seconds) and/or ``retry-after-ms`` headers."""
        headers: dict[str, str] = {}
        if retry_after_s is not None:
            headers["Retry-After"] = _format_seconds(retry_after_s)
        if retry_after_ms is not None:
            headers["retry-after-ms"] = str(retry_after_ms)
        return cls.fault(
            429,
            "Rate limit reached for requests. Please try again later.",
            type="requests",
            code="rate_limit_exceeded",
            headers=headers,
        )

    @classmethod
    def quota_exceeded(cls) -> ScriptedReply:
        """429 ``insufficient_quota``: the account is out of credit (not worth retrying)."""
        return cls.fault(
            429,
            "You exceeded your current quota, please check your plan and billing details.",
            type="insufficient_quota",
            code="insufficient_quota",
        )

    @classmethod
    def server_error(cls, status: int = 500) -> ScriptedReply:
        """A 5xx error."""
        return cls.fault(status, "The server had an error while processing your request.")

    @classmethod
    def unauthorized(cls) -> ScriptedReply:
        """401 invalid API key."""
        return cls.fault(
            401, "Incorrect API key provided.", type="invalid_request_error", code="invalid_api_key"
        )

    @classmethod
    def bad_request(cls, message: str, *, code: str | None = None) -> ScriptedReply:
        """400 with ``message`` (``code="context_length_exceeded"`` for a too-long prompt)."""
        return cls.fault(400, message, type="invalid_request_error", code=code)

    @classmethod
    def slow(cls, delay_s: float, text: str = "ok") -> ScriptedReply:
        """A normal reply sent after ``delay_s`` seconds (slower than a short client timeout)."""
        return cls(text=text, delay_s=delay_s)

    @classmethod
    def cut(cls, text: str = "this reply is cut short", after_chunks: int = 1) -> ScriptedReply:
        """A reply whose connection drops after ``after_chunks`` streamed pieces."""
        return cls(text=text, cut_after_chunks=after_chunks)

    @classmethod
    def malformed_json(cls) -> ScriptedReply:
        """A 200 reply whose body (or stream event) is not valid JSON."""
        return cls(malformed=True)


Reply = str | ScriptedReply | Callable[[dict[str, Any]], "str | ScriptedReply"]


@dataclass
class RecordedRequest:
    """One request the server received, logged on arrival."""

    time: float
    method: str
    path: str
    headers: dict[str, str]
    body: Any
    status: int | None = None
    reply: ScriptedReply | None = None

    @property
    def model(self) -> str | None:
        return self.body.get("model") if isinstance(self.body, dict) else None

    @property
    def stream(self) -> bool:
        return bool(isinstance(self.body, dict) and self.body.get("stream"))

    @property
    def prompt(self) -> str:
        """The text of the last user message ("" if none)."""
        return _last_user_text(self.body)


@dataclass
class _Rule:
    pattern: re.Pattern[str]
    reply: Reply
    times: int | None


class OpenAIServer:
    """An OpenAI-compatible server on 127.0.0.1 and an ephemeral port, run in a thread.

    Use it as a context manager (or call :meth:`start` and :meth:`stop`). The attributes
    ``models``, ``api_key``, ``stream_usage`` and ``latency_s`` may be changed while it runs.
    """

    def __init__(
        self,
        *,
        models: Sequence[str] | None = ("gpt-4o-mini",),
        api_key: str | None = None,
        stream_usage: bool = True,
        latency_s: float = 0.0,
        default_reply: Reply | None = None,
    ) -> None:
        """``models``: the models served (``None`` accepts any name). ``api_key``: require this bearer token. ``stream_usage=False`` never
        sends the final usage chunk (like llama.cpp's server). ``latency_s`` delays every reply.
        ``default_reply`` answers when no rule matches and the queue is empty (otherwise 500)."""
        self.models: list[str] | None = None if models is None else list(models)
        self.api_key = api_key
        self.stream_usage = stream_usage
        self.latency_s = latency_s
        self.default_reply = default_reply
        self.requests: list[RecordedRequest] = []
        self._queue: deque[Reply] = deque()
        self._rules: list[_Rule] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._httpd: _LoopbackHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> OpenAIServer:
        """Bind to 127.0.0.1 on a free port and serve in a daemon thread."""
        if self._httpd is not None:
            return self
        self._stopping.clear()
        handler = type("_BoundHandler", (_Handler,), {"server_state": self})
        httpd = _LoopbackHTTPServer(("127.0.0.1", 0), handler)
        httpd.daemon_threads = True
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, wake delayed replies and close open connections."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        self._stopping.set()
        httpd.shutdown()
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> OpenAIServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("the OpenAIServer is not started")
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        """The base URL to give an OpenAI client, ending in ``/v1``."""
        return f"http://127.0.0.1:{self.port}/v1"

    # -- scripting --------------------------------------------------------------------------------

    def queue(self, *replies: Reply) -> OpenAIServer:
        """Append replies served in order to chat requests no rule matches."""
        with self._lock:
            self._queue.extend(replies)
        return self

    def on(self, pattern: str, reply: Reply, *, times: int | None = None) -> OpenAIServer:
        """Answer ``reply`` when ``pattern`` is found in the last user message (``times`` limits
        how often). Earlier rules win."""
        with self._lock:
            self._rules.append(_Rule(re.compile(pattern, re.S), reply, times))
        return self

    @property
    def pending(self) -> int:
        """Queued replies not served yet."""
        with self._lock:
            return len(self._queue)

    @property
    def completion_requests(self) -> list[RecordedRequest]:
        """The logged ``/v1/chat/completions`` requests, in arrival order."""
        with self._lock:
            return [r for r in self.requests if r.path == CHAT_PATH]

    def reset(self) -> None:
        """Forget logged requests, queued replies and rules."""
        with self._lock:
            self.requests.clear()
            self._queue.clear()
            self._rules.clear()

    def gaps(self, path: str = CHAT_PATH) -> list[float]:
        """Seconds between consecutive arrivals of requests to ``path``."""
        with self._lock:
            times = [r.time for r in self.requests if r.path == path]
        return [b - a for a, b in itertools.pairwise(times)]

    # -- used by the handler ----------------------------------------------------------------------

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def _next_reply(self, body: dict[str, Any]) -> ScriptedReply:
        prompt = _last_user_text(body)
        with self._lock:
            reply: Reply | None = None
            for rule in self._rules:
                if rule.times != 0 and rule.pattern.search(prompt):
                    if rule.times is not None:
                        rule.times -= 1
                    reply = rule.reply
                    break
            if reply is None and self._queue:
                reply = self._queue.popleft()
            if reply is None:
                reply = self.default_reply
        if reply is None:
            return ScriptedReply.fault(
                500,
                f"OpenAIServer has no scripted reply: no rule matched and the queue is empty "
                f"(prompt began {prompt[:120]!r})",
            )
        if callable(reply):
            reply = reply(body)
        return ScriptedReply(text=reply) if isinstance(reply, str) else reply

    def _wait(self, seconds: float) -> None:
        if seconds > 0:
            self._stopping.wait(seconds)


class _Handler(BaseHTTPRequestHandler):
    """Serves one connection; ``server_state`` is the owning :class:`OpenAIServer`."""

    server_state: OpenAIServer
    protocol_version = "HTTP/1.1"
    timeout = 60
    #: TCP_NODELAY, as HTTP servers set it: the headers and the body of a reply are written
    #: apart, and with Nagle's algorithm the body of a reply on a kept-alive connection waited
    #: for the client's delayed ACK (~40 ms a call).
    disable_nagle_algorithm = True

    def setup(self) -> None:
        super().setup()
        with self.server_state._lock:
            self.server_state._connections.add(self.connection)

    def finish(self) -> None:
        with self.server_state._lock:
            self.server_state._connections.discard(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default stderr access log; the request log is :attr:`requests`."""

    def handle_one_request(self) -> None:
        try:
            super().handle_one_request()
        except OSError:  # the client went away (timeout, cut stream): nothing to answer
            self.close_connection = True

    def do_GET(self) -> None:
        request = self._log_request(None)
        if not self._authorized(request):
            return
        if self.path.split("?")[0] != MODELS_PATH:
            self._send_error(request, ScriptedReply.fault(404, f"unknown path {self.path}"))
            return
        state = self.server_state
        data = [
            {"id": m, "object": "model", "created": 0, "owned_by": "loopback"}
            for m in (state.models or [])
        ]
        self._send_json(request, 200, {"object": "list", "data": data})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body: Any = json.loads(raw or b"null")
        except ValueError:
            body = raw.decode("utf-8", "replace")
        request = self._log_request(body)
        if not self._authorized(request):
            return
        if self.path.split("?")[0] != CHAT_PATH:
            self._send_error(request, ScriptedReply.fault(404, f"unknown path {self.path}"))
            return
        if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
            bad = ScriptedReply.bad_request("the body must be a JSON object with 'messages'")
            self._send_error(request, bad)
            return
        state = self.server_state
        model = body.get("model")
        if state.models is not None and model not in state.models:
            self._send_error(
                request,
                ScriptedReply.fault(
                    404,
                    f"The model `{model}` does not exist or you do not have access to it.",
                    type="invalid_request_error",
                    code="model_not_found",
                ),
            )
            return
        reply = state._next_reply(body)
        request.reply = reply
        state._wait(state.latency_s + reply.delay_s)
        if reply.status >= 400:
            self._send_error(request, reply)
        elif body.get("stream"):
            self._send_stream(request, body, reply)
        else:
            self._send_completion(request, body, reply)

    # -- helpers ----------------------------------------------------------------------------------

    def _log_request(self, body: Any) -> RecordedRequest:
        headers = {
            k.lower(): v for k, v in self.headers.items() if k.lower() not in _CREDENTIAL_HEADERS
        }
        request = RecordedRequest(
            time=time.monotonic(),
            method=self.command,
            path=self.path.split("?")[0],
            headers=headers,
            body=body,
        )
        self.server_state._record(request)
        return request

    def _authorized(self, request: RecordedRequest) -> bool:
        key = self.server_state.api_key
        if key is None or self.headers.get("Authorization") == f"Bearer {key}":
            return True
        self._send_error(request, ScriptedReply.unauthorized())
        return False

    def _send_error(self, request: RecordedRequest, reply: ScriptedReply) -> None:
        self._send_json(request, reply.status, {"error": reply.error}, reply.headers)

    def _send_json(
        self,
        request: RecordedRequest,
        status: int,
        payload: Any,
        headers: dict[str, str] | None = None,
        *,
        cut: bool = False,
        malformed: bool = False,
    ) -> None:
        data = b'{"id": "chatcmpl-loopback", "choices": [' if malformed else _dumps(payload)
        request.status = status
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if cut:
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self._drop_connection()
            return
        self.wfile.write(data)

    def _send_completion(
        self, request: RecordedRequest, body: dict[str, Any], reply: ScriptedReply
    ) -> None:
        payload = {
            "id": "chatcmpl-loopback",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model"),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": reply.text},
                    "finish_reason": reply.finish_reason,
                }
            ],
            "usage": _usage(body, reply),
        }
        self._send_json(
            request,
            reply.status,
            payload,
            reply.headers,
            cut=reply.cut_after_chunks is not None,
            malformed=reply.malformed,
        )

    def _send_stream(
        self, request: RecordedRequest, body: dict[str, Any], reply: ScriptedReply
    ) -> None:
        request.status = reply.status
        self.send_response(reply.status)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        base = {
            "id": "chatcmpl-loopback",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": body.get("model"),
        }
        pieces = reply.chunks if reply.chunks is not None else _split_words(reply.text)
        for index, piece in enumerate(pieces):
            if reply.cut_after_chunks is not None and index >= reply.cut_after_chunks:
                self._drop_connection()
                return
            if reply.malformed and index == 1:
                self._write_chunk(b"data: {not json\n\n")
                continue
            delta = {"content": piece} if index else {"role": "assistant", "content": piece}
            choice = {"index": 0, "delta": delta, "finish_reason": None}
            self._write_event({**base, "choices": [choice]})
        if reply.cut_after_chunks is not None:
            self._drop_connection()
            return
        final = {"index": 0, "delta": {}, "finish_reason": reply.finish_reason}
        self._write_event({**base, "choices": [final]})
        options = body.get("stream_options") or {}
        if self.server_state.stream_usage and options.get("include_usage"):
            self._write_event({**base, "choices": [], "usage": _usage(body, reply)})
        self._write_chunk(b"data: [DONE]\n\n")
        self.wfile.write(b"0\r\n\r\n")

    def _write_event(self, payload: Any) -> None:
        self._write_chunk(b"data: " + _dumps(payload) + b"\n\n")

    def _write_chunk(self, data: bytes) -> None:
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def _drop_connection(self) -> None:
        self.close_connection = True
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def _dumps(payload: Any) -> bytes:
    return json.dumps(payload).encode("utf-8")


def _format_seconds(seconds: float) -> str:
    return str(int(seconds)) if float(seconds).is_integer() else str(seconds)


def _split_words(text: str) -> list[str]:
    """Split into pieces that join back to ``text``: each word with its following whitespace."""
    return re.findall(r"\S+\s*|\s+", text) or [""]


def _message_text(message: Any) -> str:
    content = message.get("content") if isinstance(message, dict) else None
    if isinstance(content, list):
        return " ".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return content if isinstance(content, str) else ""


def _last_user_text(body: Any) -> str:
    messages = body.get("messages") if isinstance(body, dict) else None
    if not isinstance(messages, list):
        return ""
    users = [_message_text(m) for m in messages if isinstance(m, dict) and m.get("role") == "user"]
    return users[-1] if users else ""


def _usage(body: dict[str, Any], reply: ScriptedReply) -> dict[str, int]:
    messages = body.get("messages") or []
    prompt = reply.prompt_tokens
    if prompt is None:
        prompt = sum(len(_message_text(m).split()) for m in messages)
    completion = reply.completion_tokens
    if completion is None:
        completion = len(reply.text.split())
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }
