"""A run's work in git: its own branch, a commit per checkpoint, and its diff and undo.

In a git repository a run starts a branch (``autobyteus/<run-id>`` unless named) at the
commit checked out, and every checkpoint a step asks for (after a subtask, a fix round...) and
the end of every step commits the files the run wrote, with ``Autobyteus-Run: <run-id>`` as a
trailer. Its :class:`GitRecord` is kept with the run, so ``autobyteus diff``, ``undo`` and
``resume`` find the branch again from a fresh process.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

from autobyteus_core.workflow.run_record import GitRecord
from autobyteus_core.workspace.git_repo import GitError, GitRepo

TRAILER = "Autobyteus-Run"
STEP_TRAILER = "Autobyteus-Step"
#: Changed files named in a refusal before "and N more".
_SHOWN = 8


def branch_for(run_id: str, template: str | None) -> str:
    """The branch of run ``run_id``: ``template`` with ``{run_id}`` filled in, or the default."""
    return (template or "autobyteus/{run_id}").replace("{run_id}", run_id)


def message(run_id: str, subject: str, body: str = "", *, step: str | None = None) -> str:
    """A commit message: the subject line, the body, and the trailers naming the run (and
    the step that asked for the commit)."""
    subject = " ".join(subject.split())[:200] or "autobyteus checkpoint"
    trailers = f"{TRAILER}: {run_id}" + (f"\n{STEP_TRAILER}: {step}" if step else "")
    return "\n\n".join(part for part in (subject, body.strip(), trailers) if part) + "\n"


def _listed(changes: Sequence[str]) -> str:
    shown = ", ".join(line.strip() for line in changes[:_SHOWN])
    more = len(changes) - _SHOWN
    return shown + (f" and {more} more" if more > 0 else "")


class RunGit:
    """The git side of one run in the repository ``repo``."""

    def __init__(self, repo: GitRepo, run_id: str, record: GitRecord | None = None) -> None:
        self.repo = repo
        self.run_id = run_id
        self.record = record
        self._lock = asyncio.Lock()

    @classmethod
    def open(cls, workspace: Path, run_id: str, record: GitRecord | None) -> RunGit | None:
        """The git side of run ``run_id`` in ``workspace``: None when the workspace is in no
        repository (a recorded run must still be in one)."""
        repo = GitRepo.find(workspace)
        if repo is None:
            if record is not None:
                raise GitError(
                    f"run {run_id} worked in the git repository {record.repository}, but "
                    f"{workspace} is in no git repository now"
                )
            return None
        return cls(repo, run_id, record)

    # -- starting and resuming ---------------------------------------------------------------

    def begin(self, branch: str, *, allow_dirty: bool) -> GitRecord:
        """Start the run's branch at the commit checked out; with ``allow_dirty``, commit the
        work tree's changes on it first, else refuse a work tree with changes."""
        repo = self.repo
        start = repo.head()
        if start is None:
            raise GitError(
                f"the git repository at {repo.root} has no commit yet: commit what is there "
                "first, or run with --no-git"
            )
        problem = repo.identity_problem()
        if problem:
            raise GitError(problem)
        repo.check_branch_name(branch)
        if repo.branch_exists(branch):
            raise GitError(f"the branch {branch} exists already: name another with --branch")
        changes = repo.changes()
        if changes and not allow_dirty:
            raise GitError(
                f"the work tree of {repo.root} has uncommitted changes ({_listed(changes)}): "
                "commit or stash them first, or pass --allow-dirty to have them committed on "
                "the run's branch before it starts (or --no-git)"
            )
        start_branch = repo.current_branch()
        repo.create_branch(branch)
        dirty = None
        if changes:
            repo.stage(None)
            dirty = repo.commit(
                message(
                    self.run_id,
                    "Uncommitted changes before the autobyteus run",
                    f"The work tree had changes when run {self.run_id} started "
                    "(--allow-dirty); they are committed here so the run's own commits "
                    "show only its work.",
                )
            )
        toplevel = repo.text("rev-parse", "--show-toplevel")
        self.record = GitRecord(
            repository=toplevel,
            start_branch=start_branch,
            start=start,
            branch=branch,
            base=dirty or start,
            dirty_commit=dirty,
        )
        return self.record

    def resume(self) -> None:
        """Check out the run's branch again (a resumed run continues on it)."""
        record = self._recorded()
        repo = self.repo
        if not repo.branch_exists(record.branch):
            raise GitError(
                f"run {self.run_id} has no branch any more ({record.branch} was deleted, or "
                "the run undone): start a new run"
            )
        if repo.current_branch() == record.branch:
            return
        changes = repo.changes(untracked=False)
        if changes:
            raise GitError(
                f"resuming run {self.run_id} checks out its branch {record.branch}, but the "
                f"work tree has uncommitted changes ({_listed(changes)}): commit or stash them "
                "first"
            )
        repo.checkout(record.branch)

    def _recorded(self) -> GitRecord:
        if self.record is None:
            raise GitError(f"run {self.run_id} has not started in git")
        return self.record

    # -- checkpoints ---------------------------------------------------------------------------

    async def commit(self, paths: Sequence[str], subject: str, body: str, step: str) -> str | None:
        """Commit ``paths`` (those that changed) on the run's branch for ``step``; the
        commit's id, or None when none changed."""
        text = message(self.run_id, subject, body, step=step)
        async with self._lock:  # concurrent subtasks: one add-and-commit at a time
            return await asyncio.to_thread(self._commit, list(paths), text)

    def _commit(self, paths: list[str], text: str) -> str | None:
        record = self._recorded()
        branch = self.repo.current_branch()
        if branch != record.branch:
            raise GitError(
                f"run {self.run_id} commits on its branch {record.branch}, but "
                f"{branch or 'a detached HEAD'} is checked out now: check out {record.branch} "
                "again and resume the run"
            )
        self.repo.stage(paths)
        return self.repo.commit(text)

    # -- reviewing and undoing -------------------------------------------------------------------

    def diff(self, *, stat: bool = False) -> str:
        """The run's whole change: its branch against the commit it started from."""
        record = self._recorded()
        self._need_branch()
        return self.repo.diff(record.base, record.branch, stat=stat)

    def _need_branch(self) -> None:
        record = self._recorded()
        if not self.repo.branch_exists(record.branch):
            raise GitError(
                f"the branch {record.branch} of run {self.run_id} no longer exists (was the run "
                "undone?)"
            )

    def undo(self) -> str:
        """Put the repository back where the run started: the starting branch (or commit)
        checked out, the user's uncommitted changes (``--allow-dirty``) back as such, and the
        run's branch deleted. Refused when the branch holds commits the run did not make or
        the work tree has uncommitted changes. Returns what was done, for people."""
        record = self._recorded()
        repo = self.repo
        self._need_branch()
        commits = repo.commits(record.start, record.branch, TRAILER)
        foreign = [c for c in commits if self.run_id not in c.trailer]
        if foreign:
            listed = ", ".join(f"{c.sha[:10]} {c.subject!r}" for c in foreign[:_SHOWN])
            raise GitError(
                f"the branch {record.branch} has commits run {self.run_id} did not make "
                f"({listed}): undo would lose them; move them elsewhere first (or delete the "
                "branch yourself)"
            )
        changes = repo.changes(untracked=False)
        if changes:
            raise GitError(
                f"the work tree has uncommitted changes ({_listed(changes)}): commit or discard "
                "them first, then undo again"
            )
        if record.start_branch and repo.branch_exists(record.start_branch):
            repo.checkout(record.start_branch)
            where = record.start_branch
        else:
            repo.checkout(record.start, detach=True)
            where = f"commit {record.start[:10]}"
        if record.dirty_commit:
            repo.restore_worktree(record.dirty_commit)
        repo.delete_branch(record.branch)
        kept = " (your uncommitted changes are back, uncommitted)" if record.dirty_commit else ""
        return (
            f"run {self.run_id} undone: {where} checked out{kept}, branch {record.branch} "
            f"deleted with its {len(commits)} commit(s)"
        )
