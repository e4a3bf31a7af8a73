"""The testing kit for autobyteus and its plugins: a scripted LLM, fixtures and servers.

Installed as the ``pytest11`` plugin ``autobyteus``, so every test run in an environment with
autobyteus-core gets the fixtures of :mod:`autobyteus_core.testing.pytest_plugin`.
"""
