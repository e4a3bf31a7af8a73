"""autobyteus-ray: the ``ray`` batch executor (``autobyteus batch run --executor ray``)."""

from __future__ import annotations

__version__ = "0.1.0"
