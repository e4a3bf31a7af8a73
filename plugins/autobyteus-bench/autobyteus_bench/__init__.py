"""autobyteus-bench: ``autobyteus bench`` measures generated code against tests it never saw.

The plugin module :mod:`.plugin` adds the ``bench`` command group; importing this package imports
nothing heavy.
"""

from __future__ import annotations

__version__ = "0.1.0"
