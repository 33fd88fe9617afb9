"""End to end, what a user sees: real cdktf-cli and Terraform against the simulator.

A deploy and a destroy show each account's bridge lines while its job runs
(a "still running" line is read while the simulator still runs the job, so
Terraform streams them rather than showing them at the end); a password given
with ``--var-file`` (not in the environment) still adds, through the hidden
step, with its result replayed; a healthy synth prints nothing marked
``[ERROR]`` with either framework.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from e2e_project import Framework, Project, runner_dirs, scan
from helpers import Sim, running_sim

pytestmark = pytest.mark.e2e
BRIDGE_LINE = re.compile(r"qingcloud-mysqlplus: (add|del)-user app_rw@% on cl-\w+: (.*)")


def project_in(directory: Path, sim: Sim, framework: Framework = "cdktf") -> Project:
    """A project with a runner's own HOME, TMPDIR and XDG_* (so its cluster lock is its own too)."""
    project = Project(directory / "app", sim, framework=framework)
    project.home = directory / "runner"
    for path in runner_dirs(project.home).values():
        Path(path).mkdir(parents=True, mode=0o700)
    project.write([{"id": "app", "user": "app_rw"}])
    return project


def follow(project: Project, command: str, service: str) -> tuple[list[str], list[str]]:
    """Run ``command``; the lines of the app_rw bridge, and the simulator's status of the job each time
    a "still running" line was read."""
    process = project.start(command)
    assert process.stdout is not None
    said, statuses, output = [], [], []
    for line in process.stdout:
        output.append(line)
        found = BRIDGE_LINE.search(line)
        if found:
            said.append(found[2])
            running = re.match(rf"{service} job (j-\w+) still running", found[2])
            if running:
                statuses += [j["status"] for j in project.sim.jobs() if j["job_id"] == running[1]]
    project.outputs.append("".join(output))
    assert process.wait(timeout=600) == 0, "".join(output)[-3000:]
    return said, statuses


def test_deploy_and_destroy_show_the_bridge_lines_while_the_job_runs(tmp_path: Path) -> None:
    with running_sim(job_seconds=8.0) as sim:
        project = project_in(tmp_path, sim)
        said, statuses = follow(project, "deploy", "add_user")
        assert re.fullmatch(r"add_user job j-\w+ submitted \(.*\)", said[0]), said
        assert statuses and "successful" not in statuses, (said, statuses)  # read while the job ran
        assert said[-1].startswith("added app_rw@% to cl-")
        assert "app_rw" in sim.accounts()
        said, statuses = follow(project, "destroy", "del_user")
        assert statuses and "successful" not in statuses, (said, statuses)
        assert said[-1].startswith("deleted app_rw@% from cl-") and "app_rw" not in sim.accounts()
        assert scan(project) == []


def test_a_password_from_a_var_file_is_added_by_the_hidden_step_and_replayed(tmp_path: Path) -> None:
    with running_sim(job_seconds=0.2) as sim:
        project = project_in(tmp_path, sim)
        var_file = tmp_path / "secret" / "pw.tfvars"  # outside the project: scan() searches every file there
        var_file.parent.mkdir()
        var_file.write_text(f'pw_app_rw = "{project.passwords["app_rw"]}"\n')
        environ = project.env()
        del environ["TF_VAR_pw_app_rw"]
        project.env = lambda: environ  # type: ignore[method-assign]
        result = project.cdktf("deploy", f"--var-file={var_file}")
        said = [m[2] for m in BRIDGE_LINE.finditer(result.stdout + result.stderr)]
        assert any("$TF_VAR_pw_app_rw is not in Terraform's environment" in line for line in result.stdout.splitlines())
        assert said[-1].startswith("added app_rw@% to cl-"), said  # the replay of the hidden step's result
        assert "app_rw" in sim.accounts()
        assert scan(project) == []


@pytest.mark.parametrize("framework", ["cdktf", "cdktn"])
def test_a_healthy_synth_says_its_line_unmarked(tmp_path: Path, framework: Framework) -> None:
    with running_sim() as sim:
        project = project_in(tmp_path, sim, framework)
        result = project.cdktf("synth")
        said = result.stdout + result.stderr
        assert "qingcloud-mysqlplus: stack e2e: no state yet: 1 account to add" in said, said
        assert "[ERROR]" not in said and "ERROR" not in said, said


def test_a_variable_that_differs_from_the_var_file_fails_the_deploy_and_says_so(tmp_path: Path) -> None:
    with running_sim(job_seconds=0.2) as sim:
        project = project_in(tmp_path, sim)
        given = "Canary@Given-With-Var-4711"
        project.canaries.add(given)
        var_file = tmp_path / "secret" / "pw.tfvars"
        var_file.parent.mkdir()
        var_file.write_text(f'pw_app_rw = "{given}"\n')
        result = project.cdktf("deploy", f"--var-file={var_file}", ok=False)
        said = result.stdout + result.stderr
        assert result.returncode != 0 and "$TF_VAR_pw_app_rw is not the value Terraform was given" in said, said
        assert scan(project) == []
