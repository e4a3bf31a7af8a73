"""Which isolation an execution of generated code gets: what the settings ask for, and what the
machine allows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from autobyteus_core.errors import ConfigurationError
from autobyteus_core.logging import get_logger
from autobyteus_core.sandbox import bwrap
from autobyteus_core.sandbox.limits import ResourceLimits

if TYPE_CHECKING:
    from autobyteus_core.settings import AutobyteusSettings

SandboxMode = Literal["auto", "bwrap", "off"]
#: What is left without bubblewrap; said once, loudly, when ``auto`` falls back to it.
FALLBACK = "resource limits, a scrubbed environment and a process group only"

_warned: set[str] = set()


@dataclass(frozen=True)
class Isolation:
    """The isolation one execution gets: ``bwrap`` (with the binary) or ``none``, and why."""

    kind: Literal["bwrap", "none"]
    reason: str
    network: bool
    limits: ResourceLimits
    tmp_mb: int | None = None
    binary: str | None = None

    def record(self) -> dict[str, Any]:
        """What the run's transcript records about it."""
        return {
            "sandbox": self.kind,
            "network": self.network,
            "reason": self.reason,
            "limits": self.limits.as_dict(),
        }

    def describe(self) -> str:
        """One line for people: which isolation, and what it means."""
        if self.kind == "bwrap":
            net = "network allowed" if self.network else "no network"
            return (
                f"bwrap ({self.binary}): read-only file system, writable workspace and private "
                f"/tmp, control folders read-only, {net}, own pid namespace; {self.reason}"
            )
        return f"none ({self.reason}): {FALLBACK}"


@dataclass(frozen=True)
class Sandbox:
    """The sandbox settings: ``mode`` (auto, bwrap, off), network, limits, private /tmp size."""

    mode: SandboxMode = "auto"
    network: bool = False
    limits: ResourceLimits = field(default_factory=ResourceLimits)
    tmp_mb: int | None = 512

    @classmethod
    def from_settings(cls, settings: AutobyteusSettings) -> Sandbox:
        """The sandbox ``settings`` ask for (``sandbox``, ``sandbox_network``, ``sandbox_*``)."""
        return cls(
            mode=settings.sandbox,
            network=settings.sandbox_network,
            limits=ResourceLimits(
                cpu_seconds=settings.sandbox_cpu_seconds,
                address_space_mb=settings.sandbox_memory_mb,
                file_size_mb=settings.sandbox_file_size_mb,
                processes=settings.sandbox_processes,
            ),
            tmp_mb=settings.sandbox_tmp_mb,
        )

    @classmethod
    def off(cls) -> Sandbox:
        """No bubblewrap: limits, scrubbed environment and process group only."""
        return cls(mode="off")

    def isolation(self, *, warn: bool = True) -> Isolation:
        """The isolation a run gets here. ``bwrap`` that does not work is a configuration
        error; ``auto`` without a working bwrap falls back and (with ``warn``) says so once."""
        if self.mode == "off":
            return Isolation("none", "sandbox = off in the settings", self.network, self.limits)
        found = bwrap.probe()
        if found.works:
            why = "sandbox = bwrap" if self.mode == "bwrap" else "sandbox = auto, bwrap works here"
            return Isolation("bwrap", why, self.network, self.limits, self.tmp_mb, found.binary)
        if self.mode == "bwrap":
            raise ConfigurationError(
                f"sandbox = bwrap, but bubblewrap does not work here: {found.problem}"
            )
        reason = f"sandbox = auto, but bubblewrap does not work here: {found.problem}"
        if warn and reason not in _warned:
            _warned.add(reason)
            get_logger().warning(
                f"generated code runs WITHOUT a sandbox: {reason}; in force: {FALLBACK}"
            )
        return Isolation("none", reason, self.network, self.limits)
