"""The deployment files (Dockerfile, Dagster+ build and container context, the GitHub workflow, the Helm
values) agree with the code location and the instance they deploy, and pass the validators of the
libraries that read them. No image is built and no chart rendered here (see the README's Deploy)."""

import re
import subprocess
import tomllib

import pytest
import yaml
from dagster import DagsterInvalidConfigError
from dagster_aws.ecs.container_context import EcsContainerContext
from dagster_dg_core.context import DgContext
from dagster_k8s.container_context import K8sContainerContext

from lakehouse.definitions import defs
from lakehouse.lib.targets import PROJECT_ROOT


def _yaml(name: str) -> dict:
    return yaml.safe_load((PROJECT_ROOT / name).read_text())


def _dockerfile_stages() -> list[list[tuple[str, str]]]:
    """The Dockerfile's instructions, stage by stage, continuation lines joined."""
    text = re.sub(r"\\\n\s*", " ", (PROJECT_ROOT / "Dockerfile").read_text())
    stages: list[list[tuple[str, str]]] = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        instruction, _, arguments = line.strip().partition(" ")
        if instruction.upper() == "FROM":
            stages.append([])
        if stages:
            stages[-1].append((instruction.upper(), arguments))
    return stages


def _dg_project() -> dict:
    return tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["tool"]["dg"]["project"]


def _locked_version(package: str) -> str:
    lock = tomllib.loads((PROJECT_ROOT / "uv.lock").read_text())
    return next(p["version"] for p in lock["package"] if p["name"] == package)


def _module_after(arguments: list[str], flag: str = "--module-name") -> str:
    return arguments[arguments.index(flag) + 1]


def test_the_image_the_chart_and_dagster_plus_serve_the_module_workspace_yaml_loads():
    workspace_location = _yaml("workspace.yaml")["load_from"][0]["python_module"]
    workspace_module = workspace_location["module_name"]
    image_command = yaml.safe_load(dict(_dockerfile_stages()[-1])["CMD"])
    chart_arguments = _yaml("deploy/helm/values.yaml")["dagster-user-deployments"]["deployments"][0][
        "dagsterApiGrpcArgs"
    ]

    assert _module_after(image_command) == workspace_module
    assert _module_after(image_command, "--location-name") == workspace_location["location_name"]
    assert _module_after(chart_arguments) == workspace_module
    assert _dg_project()["code_location_target_module"] == workspace_module


def _commands(stage: list[tuple[str, str]]) -> str:
    return " ".join(arguments for instruction, arguments in stage if instruction == "RUN")


def test_the_image_is_built_by_make_install_without_dev_tools_and_runs_as_a_user_with_java_17():
    build, runtime = _dockerfile_stages()

    assert "make install SYNC_FLAGS=--no-dev" in _commands(build)
    dry_run = subprocess.run(
        ["make", "--dry-run", "--always-make", "install", "SYNC_FLAGS=--no-dev"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "uv sync --frozen --compile-bytecode --no-dev" in dry_run
    assert "lakehouse jars" in dry_run and "lakehouse.defs.gold.project" in dry_run
    assert "openjdk-17-jre-headless" in _commands(runtime)
    assert dict(runtime)["USER"].isdigit() and dict(runtime)["USER"] != "0"
    assert not any(arguments.endswith(" .") or "COPY . " in arguments for _, arguments in runtime)


def test_dagster_plus_reads_the_build_and_container_context_the_agents_accept():
    context = DgContext.for_project_environment(PROJECT_ROOT, {})
    container_context = context.container_context_config

    assert context.build_config["directory"] == str(PROJECT_ROOT)
    assert context.code_location_name == _dg_project()["code_location_name"]
    k8s = K8sContainerContext.create_from_config(container_context)
    assert k8s.run_k8s_config.container_config["env_from"] == [{"secret_ref": {"name": "lakehouse-secrets"}}]
    assert EcsContainerContext.create_from_config(container_context).secrets_tags == ["lakehouse"]


@pytest.mark.parametrize(
    ("context_class", "misspelt"),
    [
        (K8sContainerContext, {"k8s": {"env_secret": ["lakehouse-secrets"]}}),
        (EcsContainerContext, {"ecs": {"secret_tags": ["lakehouse"]}}),
    ],
)
def test_the_agents_validation_rejects_a_misspelt_container_context(context_class, misspelt):
    with pytest.raises(DagsterInvalidConfigError):
        context_class.create_from_config(misspelt)


def test_the_workflow_pushes_the_image_build_yaml_names_with_the_locked_dagster_cloud_action():
    workflow = _yaml(".github/workflows/dagster-plus-deploy.yml")
    steps = workflow["jobs"]["deploy"]["steps"]
    pushed = next(step for step in steps if step.get("uses", "").startswith("docker/build-push-action"))
    deploy_actions = {step["uses"] for step in steps if step.get("uses", "").startswith("dagster-io/")}
    set_build_output = next(step for step in steps if "set-build-output" in step.get("with", {}).get("command", ""))

    assert pushed["with"]["tags"].split(":")[0] == _yaml("build.yaml")["registry"]
    assert {action.rsplit("@v", 1)[1] for action in deploy_actions} == {_locked_version("dagster-cloud")}
    assert f"--location-name={_dg_project()['code_location_name']}" in set_build_output["with"]["command"]
    assert workflow["jobs"]["deploy"]["needs"] == "test"


def test_a_closed_pull_request_launches_the_cleanup_job_of_its_branch_lake_with_the_locked_cli():
    steps = _yaml(".github/workflows/dagster-plus-deploy.yml")["jobs"]["deploy"]["steps"]
    [cleanup] = [step for step in steps if "branch_lake_cleanup" in step.get("run", "")]
    command = " ".join(cleanup["run"].replace("\\\n", " ").split())
    job = defs().resolve_job_def("branch_lake_cleanup")

    assert cleanup["if"] == "github.event.action == 'closed'" and cleanup["env"]["BRANCH"] == "${{ github.head_ref }}"
    assert f"dagster-cloud=={_locked_version('dagster-cloud')} job launch --deployment prod" in command
    assert f"--location {_dg_project()['code_location_name']}" in command
    assert "drop_closed_branch_lake" in command and job.graph.node_named("drop_closed_branch_lake")


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _camel_keys(value):
    if isinstance(value, dict):
        return {_camel(key): _camel_keys(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_camel_keys(item) for item in value]
    return value


def test_the_helm_values_configure_the_same_instance_as_deploy_dagster_yaml():
    instance, values = _yaml("deploy/dagster.yaml"), _yaml("deploy/helm/values.yaml")
    daemon = values["dagsterDaemon"]

    assert values["concurrency"] == {"enabled": True, **_camel_keys(instance["concurrency"])}
    assert daemon["runMonitoring"] == {"enabled": True, **_camel_keys(instance["run_monitoring"])}
    assert daemon["runRetries"] == _camel_keys(instance["run_retries"])
    assert (
        daemon["runCoordinator"]["config"]["queuedRunCoordinator"]["dequeueIntervalSeconds"]
        == (instance["run_queue"]["dequeue_interval_seconds"])
    )
    sensor_purge = values["retention"]["sensor"]["purgeAfterDays"]
    assert {k: v for k, v in sensor_purge.items() if v != -1} == instance["retention"]["sensor"]["purge_after_days"]
    assert values["retention"]["schedule"]["purgeAfterDays"] == instance["retention"]["schedule"]["purge_after_days"]


def test_the_helm_values_run_the_image_on_kubernetes_with_the_database_password_only_in_a_secret():
    values = _yaml("deploy/helm/values.yaml")
    user_code = values["dagster-user-deployments"]["deployments"][0]

    assert values["runLauncher"]["type"] == "K8sRunLauncher"
    assert user_code["image"]["repository"] == _yaml("build.yaml")["registry"]
    assert values["postgresql"]["enabled"] is False and values["generatePostgresqlPasswordSecret"] is False
    assert values["postgresql"]["postgresqlPassword"] == "" and values["global"]["postgresqlSecretName"]
