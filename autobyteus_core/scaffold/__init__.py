"""Templates for new plugin distributions (``autobyteus plugin new``).

``templates/_common/`` holds the files every plugin gets (``pyproject.toml``, ``README.md``,
``tox.ini``); ``templates/<kind>/`` holds the package and tests of one kind of plugin. Every file
is a jinja2 template ending in ``.j2``; ``__package__`` in a path is the plugin's package name,
and a leading ``dot-`` becomes ``.``.
"""
