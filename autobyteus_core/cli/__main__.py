"""``python -m autobyteus_core.cli``: the ``autobyteus`` command run by a given interpreter."""

from __future__ import annotations

from autobyteus_core.cli import main

if __name__ == "__main__":
    main()
