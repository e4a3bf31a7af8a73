"""The CLI's single :class:`Application`, created lazily per invocation.

Tests (and programs embedding the CLI) pass their own: ``CliRunner().invoke(cli, args,
obj={"app": app})``.
"""

from __future__ import annotations

import click

from autobyteus_core.app import Application


def get_app(ctx: click.Context | None = None) -> Application:
    """The application of the running command (one per CLI invocation); it reads entry points,
    so plugin commands can use it to reach every registry."""
    ctx = ctx or click.get_current_context()
    root = ctx.find_root()
    root.ensure_object(dict)
    app = root.obj.get("app")
    if app is None:
        app = Application()
        root.obj["app"] = app
    assert isinstance(app, Application)
    return app
