"""Testing kit for OpenAI-compatible providers: a loopback OpenAI-compatible server.

Installed as the ``pytest11`` plugin ``autobyteus_openai`` (the ``openai_server`` fixture, in
``pytest_plugin``); this package itself is imported only by tests that use the server.
"""

from autobyteus_openai.testing.openai_server import OpenAIServer, RecordedRequest, ScriptedReply

__all__ = ["OpenAIServer", "RecordedRequest", "ScriptedReply"]
