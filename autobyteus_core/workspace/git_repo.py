"""The ``git`` executable, run as a subprocess: the few commands a run needs in a repository.

Nothing here reads or writes ``.git/`` itself; every failure of git becomes a :class:`GitError`
whose message says which command failed, where, and what git said.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from autobyteus_core.errors import AutobyteusError

#: Pathspecs that keep a workspace's run store out of whatever git is asked to look at.
EXCLUDE_CONTROL = (":(exclude).autobyteus",)
#: A command that does not finish by then is stuck (a credential or signing prompt...).
_TIMEOUT_S = 120.0
#: Lines of git's own message kept in an error.
_ERROR_LINES = 6


class GitError(AutobyteusError):
    """A git command failed, or git is needed and missing; the message says which and why."""


@dataclass(frozen=True)
class Commit:
    """One commit: its id, its subject and the values of one trailer key in its message."""

    sha: str
    subject: str
    trailer: tuple[str, ...]


def git_executable() -> str | None:
    """The ``git`` on PATH, or None."""
    return shutil.which("git")


def inside_repository(folder: Path) -> bool:
    """Whether ``folder`` or a folder above it has a ``.git`` entry (only its existence is
    looked at): how a repository is recognised when git itself cannot be run."""
    path = folder.absolute()
    return any((parent / ".git").exists() for parent in (path, *path.parents))


class GitRepo:
    """The git work tree that contains ``root``; git runs with ``root`` as its folder, so
    pathspecs are relative to it."""

    def __init__(self, root: Path, executable: str) -> None:
        self.root = root
        self.executable = executable

    @classmethod
    def find(cls, folder: Path) -> GitRepo | None:
        """The work tree containing ``folder``; None when it is in none. Raises
        :class:`GitError` when it is in one but git is not installed."""
        executable = git_executable()
        if executable is None:
            if inside_repository(folder):
                raise GitError(
                    f"{folder} is in a git repository but no `git` executable is on PATH: "
                    "install git, or run with --no-git (git = false in the settings)"
                )
            return None
        if not folder.is_dir():
            return None
        probe = cls(folder, executable)
        inside = probe.run("rev-parse", "--is-inside-work-tree", check=False)
        if inside.returncode != 0 or inside.stdout.strip() != "true":
            return None
        return probe

    # -- running git -------------------------------------------------------------------------

    def run(
        self, *args: str, check: bool = True, stdin: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        """``git args`` in the root; with ``check``, a non-zero exit raises :class:`GitError`."""
        env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0"}
        argv = [self.executable, *args]
        try:
            result = subprocess.run(
                argv,
                cwd=self.root,
                input=stdin,
                stdin=None if stdin is not None else subprocess.DEVNULL,
                capture_output=True,
                text=True,
                encoding="utf-8",
                errors="replace",
                env=env,
                timeout=_TIMEOUT_S,
                check=False,
            )
        except FileNotFoundError as exc:
            raise GitError(f"cannot run git ({self.executable}): {exc.strerror or exc}") from exc
        except subprocess.TimeoutExpired as exc:
            raise GitError(
                f"`git {' '.join(args[:3])}` did not finish within {_TIMEOUT_S:g} s in "
                f"{self.root} (is it waiting for a password or a signing key?)"
            ) from exc
        except OSError as exc:
            raise GitError(f"cannot run git in {self.root}: {exc.strerror or exc}") from exc
        if check and result.returncode != 0:
            raise GitError(self.failure(args, result))
        return result

    def failure(self, args: Sequence[str], result: subprocess.CompletedProcess[str]) -> str:
        """The message for a failed ``git args``: the command, the folder and git's words."""
        said = [line.strip() for line in (result.stderr or result.stdout).splitlines()]
        said = [line for line in said if line][-_ERROR_LINES:]
        words = "; ".join(said) or f"exit status {result.returncode}"
        return f"`git {' '.join(args[:2])}` failed in {self.root}: {words}"

    def text(self, *args: str) -> str:
        """The standard output of ``git args``, stripped."""
        return self.run(*args).stdout.strip()

    # -- what the repository is like ---------------------------------------------------------

    def head(self) -> str | None:
        """The commit checked out, or None in a repository with no commit yet."""
        result = self.run("rev-parse", "--verify", "--quiet", "HEAD^{commit}", check=False)
        return result.stdout.strip() or None if result.returncode == 0 else None

    def current_branch(self) -> str | None:
        """The branch checked out, or None when HEAD is detached."""
        result = self.run("symbolic-ref", "--quiet", "--short", "HEAD", check=False)
        return result.stdout.strip() or None if result.returncode == 0 else None

    def branch_exists(self, name: str) -> bool:
        ref = f"refs/heads/{name}"
        return self.run("show-ref", "--verify", "--quiet", ref, check=False).returncode == 0

    def branch_commit(self, name: str) -> str:
        """The commit the branch ``name`` points at."""
        return self.text("rev-parse", "--verify", f"refs/heads/{name}^{{commit}}")

    def check_branch_name(self, name: str) -> None:
        """Raise :class:`GitError` unless ``name`` is a valid new branch name."""
        result = self.run("check-ref-format", "--branch", name, check=False)
        if result.returncode != 0 or name.startswith("-"):
            raise GitError(f"{name!r} is not a valid git branch name")

    def identity_problem(self) -> str | None:
        """Why git could not make a commit here for want of a name and email; None if it can."""
        result = self.run("var", "GIT_COMMITTER_IDENT", check=False)
        if result.returncode == 0:
            return None
        return (
            "git does not know who commits here (no user.name and user.email): set them with "
            "`git config --global user.name NAME` and `git config --global user.email EMAIL`, "
            "or run with --no-git"
        )

    def changes(self, *, untracked: bool = True) -> list[str]:
        """``git status`` lines (``XY path``) of the whole work tree, the run store left out."""
        args = ["status", "--porcelain", f"--untracked-files={'all' if untracked else 'no'}"]
        output = self.run(*args, "--", ":/", *EXCLUDE_CONTROL).stdout
        return [line for line in output.splitlines() if line.strip()]

    # -- changing it -------------------------------------------------------------------------

    def create_branch(self, name: str) -> None:
        """Create the branch ``name`` at HEAD and check it out."""
        self.run("checkout", "-q", "-b", name)

    def checkout(self, target: str, *, detach: bool = False) -> None:
        """Check out the branch (or, with ``detach``, the commit) ``target``."""
        self.run("checkout", "-q", *(["--detach"] if detach else []), target, "--")

    def delete_branch(self, name: str) -> None:
        """Delete the local branch ``name``, merged or not."""
        self.run("branch", "-q", "-D", name)

    def restore_worktree(self, source: str) -> None:
        """Make the work tree's files those of commit ``source`` (the index stays as it is)."""
        self.run("restore", f"--source={source}", "--worktree", "--", ":/", *EXCLUDE_CONTROL)

    def stage(self, paths: Sequence[str] | None) -> None:
        """Stage ``paths`` (relative to the root), or every change of the work tree when None;
        the run store never, nor a path git ignores or knows nothing of."""
        if paths is None:
            self.run("add", "-A", "--", ":/", *EXCLUDE_CONTROL)
            return
        wanted = [p for p in dict.fromkeys(paths) if not _in_control_folder(p)]
        if not wanted:
            return
        tracked = set(self.run("ls-files", "-z", "--", *wanted).stdout.split("\0"))
        known = [p for p in wanted if p in tracked or (self.root / p).exists()]
        ignored = self._ignored([p for p in known if p not in tracked])
        chosen = [p for p in known if p not in ignored]
        if chosen:
            self.run("add", "-A", "--", *chosen)

    def _ignored(self, paths: Sequence[str]) -> set[str]:
        if not paths:
            return set()
        result = self.run("check-ignore", "-z", "--stdin", check=False, stdin="\0".join(paths))
        if result.returncode not in (0, 1):
            raise GitError(self.failure(["check-ignore"], result))
        return {p for p in result.stdout.split("\0") if p}

    def commit(self, message: str) -> str | None:
        """Commit what is staged with ``message`` (hooks not run: the run's commits are
        checkpoints, not the user's); the new commit's id, or None when nothing was staged."""
        staged = self.run("diff", "--cached", "--quiet", check=False)
        if staged.returncode == 0:
            return None
        if staged.returncode != 1:
            raise GitError(self.failure(["diff", "--cached"], staged))
        self.run("commit", "-q", "--no-verify", "-F", "-", stdin=message)
        return self.text("rev-parse", "HEAD")

    # -- history -----------------------------------------------------------------------------

    def commits(self, since: str, until: str, trailer: str) -> list[Commit]:
        """The commits reachable from ``until`` and not from ``since``, newest first, each with
        the values of its ``trailer`` lines."""
        fmt = f"%H%x1f%s%x1f%(trailers:key={trailer},valueonly,separator=%x1d)%x1e"
        output = self.run("log", f"--format={fmt}", f"{since}..{until}", "--").stdout
        found = []
        for record in output.split("\x1e"):
            fields = record.strip("\n").split("\x1f")
            if len(fields) == 3:
                values = tuple(v.strip() for v in fields[2].split("\x1d") if v.strip())
                found.append(Commit(fields[0], fields[1], values))
        return found

    def diff(self, since: str, until: str, *, stat: bool = False) -> str:
        """``git diff since until`` (with ``stat``, the summary of it)."""
        return self.run("diff", *(["--stat"] if stat else []), since, until, "--").stdout


def _in_control_folder(path: str) -> bool:
    return Path(path).parts[:1] == (".autobyteus",)
