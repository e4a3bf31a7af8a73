"""The ``ray`` executor against one real local Ray instance (``ray.init`` with 2 CPUs, started
once for the module and stopped after it): the core's scripted batch of 20 items through
``autobyteus batch run --executor ray --address``, and a worker process that dies in the
middle of an item, whose task Ray retries and which resumes without paying again; and
``autobyteus bench run --executor ray`` on the same instance."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from autobyteus_core.testing import CALLS, CALLS_PER_ITEM, make_batch

ray = pytest.importorskip("ray")

from autobyteus_ray.ray_executor import init_options  # noqa: E402  (after the skip)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    """A Ray instance whose workers see the kit's plugin and share one call log."""
    root = tmp_path_factory.mktemp("ray-kit")
    kit = make_batch(root, items=1)  # writes the plugin the workers import
    env = {
        k: kit.env[k]
        for k in ("PYTHONPATH", "AUTOBYTEUS_SCRIPTED_LOG", "AUTOBYTEUS_STRICT_PLUGINS")
    }
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)  # the raylet, and so every worker, inherits this environment
    try:
        context = ray.init(**init_options(None, 4, num_cpus=2))
        yield {"address": context.address_info["gcs_address"], "root": root, "log": kit.log}
    finally:
        ray.shutdown()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _run(batch, out: Path, address: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        batch.run_command(out, "--executor", "ray", "--address", address, *extra),
        env=batch.env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_the_scripted_batch_runs_on_ray(cluster: dict, tmp_path: Path) -> None:
    batch = make_batch(tmp_path, tag="[ray batch] ", log=cluster["log"])
    served_before = len(batch.served())
    done = _run(batch, tmp_path / "out", cluster["address"], "--jobs", "4")
    assert done.returncode == 1, done.stdout + done.stderr  # two fail, one cannot start
    assert "Traceback" not in done.stdout + done.stderr
    assert "20/20 done (17 succeeded, 2 failed, 1 errors" in done.stdout
    latest = batch.check_complete(tmp_path / "out")
    assert len(batch.served()) - served_before == 19 * CALLS_PER_ITEM
    workers = {line["attempt_pid"] for line in latest.values() if line["attempt_pid"]}
    assert os.getpid() not in workers and len(workers) >= 1  # ran in Ray's worker processes


def test_a_worker_lost_mid_item_is_retried_and_resumes_without_paying_again(
    cluster: dict, tmp_path: Path
) -> None:
    batch = make_batch(
        tmp_path, items=4, failing=(), bad=(), crash_once=(2, 3), tag="[ray crash] ",
        log=cluster["log"],
    )  # fmt: skip
    served_before = len(batch.served())
    done = _run(batch, tmp_path / "out", cluster["address"], "--jobs", "2")
    assert done.returncode == 0, done.stdout + done.stderr
    latest = batch.check_complete(tmp_path / "out")  # includes: nothing served twice
    for item_id in ("item-02", "item-03"):
        assert (tmp_path / "out" / item_id / "crashed-once").exists()  # its first worker died
        # The retry replayed first-1, first-2 and second-1; it paid only for second-2.
        assert latest[item_id]["spent"]["calls"] == CALLS_PER_ITEM - (CALLS + 1)
    assert latest["item-01"]["spent"]["calls"] == CALLS_PER_ITEM
    assert len(batch.served()) - served_before == 4 * CALLS_PER_ITEM


def test_autobyteus_bench_runs_its_tasks_on_ray(cluster: dict, tmp_path: Path) -> None:
    import autobyteus_bench

    sys.path.insert(0, str(Path(autobyteus_bench.__file__).parents[1] / "tests"))
    from bench_testkit.harness import SETTINGS, adder_replies, make_suite

    suite = make_suite(tmp_path / "suite", ("adder",))
    settings = tmp_path / "bench.toml"
    settings.write_text(SETTINGS, encoding="utf-8")
    out = tmp_path / "out"
    args = [
        sys.executable, "-m", "autobyteus_core.cli", "bench", "run", str(suite),
        "--model", f"scripted:{adder_replies(tmp_path / 'replies.json')}",
        "--settings", str(settings), "--out", str(out), "--baseline", "direct",
        "--executor", "ray", "--address", cluster["address"], "--jobs", "2",
    ]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOBYTEUS_")}
    env["AUTOBYTEUS_LOG_LEVEL"] = "error"
    log = Path(str(cluster["log"]))
    served_before = len(log.read_text().splitlines()) if log.exists() else 0
    process = subprocess.Popen(args, env=env, cwd=tmp_path, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)  # fmt: skip
    stdout, stderr = process.communicate(timeout=300)
    assert process.returncode == 0, stdout + stderr
    records = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert sorted((r["arm"], r["task"], r["hidden_passed"]) for r in records) == [
        ("direct", "adder", True),
        ("workflow", "adder", True),
    ]
    for record in records:  # each ran in a Ray worker, not in the command's process
        state = Path(record["workspace"], ".autobyteus", "runs", record["run_id"], "state.json")
        assert json.loads(state.read_text())["pid"] not in (process.pid, os.getpid())
    served = len(log.read_text().splitlines()) - served_before
    assert served == sum(r["calls"] for r in records)  # the workers' calls, each once

    again = subprocess.run(args, env=env, cwd=tmp_path, capture_output=True, text=True,
                           timeout=300)  # fmt: skip
    assert again.returncode == 0, again.stdout + again.stderr
    assert "2 finished task run(s)" in again.stderr
    assert len(log.read_text().splitlines()) - served_before == served  # nothing asked again
