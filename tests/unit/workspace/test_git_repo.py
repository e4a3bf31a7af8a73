"""The git wrapper and a run's git side, on real repositories made by the real git: every
refusal and failure is a :class:`GitError` whose message says what to do."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest

from autobyteus_core.workflow.run_git import TRAILER, RunGit, message
from autobyteus_core.workspace import git_repo
from autobyteus_core.workspace.git_repo import GitError, GitRepo

Git = Callable[..., str]


@pytest.fixture
def repo(tmp_path: Path, git: Git) -> Path:
    """A repository on ``main`` with one commit of ``a.txt``."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    (root / "a.txt").write_text("one\n", encoding="utf-8")
    git(root, "add", "a.txt")
    git(root, "commit", "-q", "-m", "first")
    return root


def _run_git(root: Path, run_id: str = "r1") -> RunGit:
    found = RunGit.open(root, run_id, None)
    assert found is not None
    return found


def test_a_folder_outside_any_repository_has_none(tmp_path: Path, git_config: Path) -> None:
    assert GitRepo.find(tmp_path) is None
    assert RunGit.open(tmp_path, "r1", None) is None


def test_a_repository_without_git_installed_is_refused_with_what_to_do(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(git_repo, "git_executable", lambda: None)
    with pytest.raises(GitError, match=r"no `git` executable is on PATH.*--no-git"):
        GitRepo.find(repo)
    # outside a repository a missing git does not matter
    assert GitRepo.find(repo.parent) is None


def test_a_failed_git_command_says_which_where_and_what_git_said(repo: Path) -> None:
    found = GitRepo.find(repo)
    assert found is not None
    with pytest.raises(GitError) as caught:
        found.checkout("no-such-branch")
    text = str(caught.value)
    assert text.startswith("`git checkout -q` failed in ")
    assert str(repo) in text
    assert "no-such-branch" in text  # git's own words


def test_an_unrunnable_git_is_a_clear_error(repo: Path, tmp_path: Path) -> None:
    broken = GitRepo(repo, str(tmp_path / "missing-git"))
    with pytest.raises(GitError, match=r"cannot run git \(.*missing-git\)"):
        broken.head()


def test_a_repository_without_commits_is_refused(tmp_path: Path, git: Git) -> None:
    git(tmp_path, "init", "-q")
    with pytest.raises(GitError, match="has no commit yet: commit what is there first"):
        _run_git(tmp_path).begin("autobyteus/r1", allow_dirty=False)


def test_no_identity_is_refused_before_anything_changes(repo: Path, git: Git) -> None:
    git(repo, "config", "user.useConfigOnly", "true")
    git(repo, "config", "--global", "--unset", "user.email")
    with pytest.raises(GitError, match=r"git config --global user.email"):
        _run_git(repo).begin("autobyteus/r1", allow_dirty=False)
    assert git(repo, "branch", "--list").split() == ["*", "main"]


def test_a_bad_or_taken_branch_name_is_refused(repo: Path, git: Git) -> None:
    with pytest.raises(GitError, match=r"'bad\.\.name' is not a valid git branch name"):
        _run_git(repo).begin("bad..name", allow_dirty=False)
    git(repo, "branch", "taken")
    with pytest.raises(GitError, match="the branch taken exists already: name another"):
        _run_git(repo).begin("taken", allow_dirty=False)


def test_a_dirty_work_tree_is_refused_naming_the_files(repo: Path, git: Git) -> None:
    (repo / "a.txt").write_text("changed\n", encoding="utf-8")
    (repo / "new.txt").write_text("new\n", encoding="utf-8")
    with pytest.raises(GitError) as caught:
        _run_git(repo).begin("autobyteus/r1", allow_dirty=False)
    assert "uncommitted changes (M a.txt, ?? new.txt)" in str(caught.value)
    assert "--allow-dirty" in str(caught.value)
    assert git(repo, "branch", "--show-current").strip() == "main"


def test_allow_dirty_commits_the_changes_first_and_undo_gives_them_back(
    repo: Path, git: Git
) -> None:
    (repo / "a.txt").write_text("changed\n", encoding="utf-8")
    (repo / "new.txt").write_text("new\n", encoding="utf-8")
    run = _run_git(repo)
    record = run.begin("autobyteus/r1", allow_dirty=True)
    assert record.dirty_commit is not None and record.base == record.dirty_commit
    assert git(repo, "status", "--porcelain").strip() == ""
    body = git(repo, "log", "-1", "--format=%B")
    assert body.startswith("Uncommitted changes before the autobyteus run")
    assert f"{TRAILER}: r1" in body
    assert run.diff() == ""  # the user's changes are not the run's

    (repo / "b.txt").write_text("run's\n", encoding="utf-8")
    assert asyncio.run(run.commit(["b.txt"], "add b", "why", "implementation")) is not None
    assert "b.txt" in run.diff() and "new.txt" not in run.diff()

    assert "your uncommitted changes are back" in run.undo()
    assert git(repo, "branch", "--show-current").strip() == "main"
    assert (repo / "a.txt").read_text(encoding="utf-8") == "changed\n"
    assert (repo / "new.txt").read_text(encoding="utf-8") == "new\n"
    assert not (repo / "b.txt").exists()
    assert sorted(git(repo, "status", "--porcelain").splitlines()) == [" M a.txt", "?? new.txt"]


def test_a_commit_takes_only_the_paths_named_and_skips_what_git_ignores(
    repo: Path, git: Git
) -> None:
    (repo / ".gitignore").write_text("ignored.txt\n", encoding="utf-8")
    git(repo, "add", ".gitignore")
    git(repo, "commit", "-q", "-m", "ignore")
    run = _run_git(repo)
    run.begin("autobyteus/r1", allow_dirty=False)
    for name in ("mine.txt", "other.txt", "ignored.txt"):
        (repo / name).write_text(name, encoding="utf-8")
    (repo / ".autobyteus").mkdir()
    (repo / ".autobyteus" / "state.json").write_text("{}", encoding="utf-8")
    paths = ["mine.txt", "ignored.txt", "gone.txt", ".autobyteus/state.json"]
    sha = asyncio.run(run.commit(paths, "subject", "the reason", "step-a"))
    assert sha is not None
    assert git(repo, "show", "--name-only", "--format=", sha).split() == ["mine.txt"]
    assert (
        git(repo, "log", "-1", "--format=%B")
        == message("r1", "subject", "the reason", step="step-a") + "\n"
    )
    # nothing changed: no commit
    assert asyncio.run(run.commit(["mine.txt"], "again", "", "step-a")) is None


def test_a_commit_refuses_another_branch_checked_out(repo: Path, git: Git) -> None:
    run = _run_git(repo)
    run.begin("autobyteus/r1", allow_dirty=False)
    git(repo, "checkout", "-q", "main")
    (repo / "x.txt").write_text("x", encoding="utf-8")
    with pytest.raises(GitError, match="commits on its branch autobyteus/r1, but main is"):
        asyncio.run(run.commit(["x.txt"], "x", "", "s"))


def test_undo_refuses_commits_the_run_did_not_make(repo: Path, git: Git) -> None:
    run = _run_git(repo)
    run.begin("autobyteus/r1", allow_dirty=False)
    (repo / "x.txt").write_text("x", encoding="utf-8")
    asyncio.run(run.commit(["x.txt"], "the run's", "", "s"))
    (repo / "y.txt").write_text("y", encoding="utf-8")
    git(repo, "add", "y.txt")
    git(repo, "commit", "-q", "-m", "mine, on top")
    with pytest.raises(GitError, match=r"has commits run r1 did not make \(\w+ 'mine, on top'\)"):
        run.undo()
    assert git(repo, "branch", "--show-current").strip() == "autobyteus/r1"


def test_undo_refuses_uncommitted_changes(repo: Path) -> None:
    run = _run_git(repo)
    run.begin("autobyteus/r1", allow_dirty=False)
    (repo / "a.txt").write_text("edited\n", encoding="utf-8")
    with pytest.raises(GitError, match=r"uncommitted changes \(M a.txt\): commit or discard"):
        run.undo()


def test_resume_checks_out_the_branch_again_or_says_why_not(repo: Path, git: Git) -> None:
    run = _run_git(repo)
    record = run.begin("autobyteus/r1", allow_dirty=False)
    git(repo, "checkout", "-q", "main")
    again = RunGit.open(repo, "r1", record)
    assert again is not None
    again.resume()
    assert git(repo, "branch", "--show-current").strip() == "autobyteus/r1"

    git(repo, "checkout", "-q", "main")
    (repo / "a.txt").write_text("edited\n", encoding="utf-8")
    with pytest.raises(GitError, match="checks out its branch autobyteus/r1, but the work tree"):
        again.resume()
    git(repo, "checkout", "-q", "--", "a.txt")
    git(repo, "branch", "-D", "autobyteus/r1")
    with pytest.raises(GitError, match="has no branch any more"):
        again.resume()
    with pytest.raises(GitError, match="no longer exists"):
        again.diff()


def test_a_recorded_run_outside_any_repository_is_an_error(repo: Path, tmp_path: Path) -> None:
    record = _run_git(repo).begin("autobyteus/r1", allow_dirty=False)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    with pytest.raises(GitError, match="is in no git repository now"):
        RunGit.open(elsewhere, "r1", record)
