"""Which lake a deployment writes to, from the variables Dagster+ sets in every deployment."""

import pytest

from lakehouse.lib.branches import BranchDeployment, BranchLakeError, current_branch_deployment, storage_for_deployment
from lakehouse.lib.storage import LakehouseStorage

PRODUCTION = LakehouseStorage(root_uri="s3a://acme-lake/prod")
BRANCH_ENV = {
    "DAGSTER_CLOUD_IS_BRANCH_DEPLOYMENT": "1",
    "DAGSTER_CLOUD_DEPLOYMENT_NAME": "fix-orders-1a2b",
    "DAGSTER_CLOUD_GIT_BRANCH": "jane/Fix_Orders",
    "DAGSTER_CLOUD_PULL_REQUEST_ID": "17",
}


def test_production_and_local_runs_keep_their_storage():
    assert storage_for_deployment(PRODUCTION, {"DAGSTER_CLOUD_DEPLOYMENT_NAME": "prod"}) is PRODUCTION
    assert storage_for_deployment(PRODUCTION, {"DAGSTER_CLOUD_IS_BRANCH_DEPLOYMENT": "0"}) is PRODUCTION


def test_a_branch_deployment_writes_to_a_folder_named_after_its_git_branch_beside_production():
    storage = storage_for_deployment(PRODUCTION, BRANCH_ENV)

    assert storage.root_uri == "s3a://acme-lake/branches/jane-fix-orders"
    assert storage.production_root_uri == "s3a://acme-lake/prod"
    assert current_branch_deployment(BRANCH_ENV) == BranchDeployment("fix-orders-1a2b", "jane/Fix_Orders", "17")


def test_without_a_git_branch_the_deployment_name_names_the_folder():
    env = {k: v for k, v in BRANCH_ENV.items() if k != "DAGSTER_CLOUD_GIT_BRANCH"}
    assert storage_for_deployment(PRODUCTION, env).root_uri == "s3a://acme-lake/branches/fix-orders-1a2b"


def test_the_branches_root_can_be_set_anywhere_but_inside_production():
    elsewhere = {**BRANCH_ENV, "LAKEHOUSE_BRANCHES_ROOT": "s3a://acme-previews/lakes/"}
    assert storage_for_deployment(PRODUCTION, elsewhere).root_uri == "s3a://acme-previews/lakes/jane-fix-orders"

    inside = {**BRANCH_ENV, "LAKEHOUSE_BRANCHES_ROOT": "s3a://acme-lake/prod/branches"}
    with pytest.raises(BranchLakeError, match="cannot live inside the production lake"):
        storage_for_deployment(PRODUCTION, inside)


def test_a_production_lake_at_a_bucket_root_needs_the_branches_root_set():
    with pytest.raises(BranchLakeError, match="LAKEHOUSE_BRANCHES_ROOT"):
        storage_for_deployment(LakehouseStorage(root_uri="s3a://acme-lake"), BRANCH_ENV)


def test_a_branch_deployment_without_a_name_is_refused_rather_than_sharing_a_lake():
    with pytest.raises(BranchLakeError, match="DAGSTER_CLOUD_DEPLOYMENT_NAME"):
        current_branch_deployment({"DAGSTER_CLOUD_IS_BRANCH_DEPLOYMENT": "1"})
    with pytest.raises(BranchLakeError, match="makes no folder name"):
        storage_for_deployment(PRODUCTION, {**BRANCH_ENV, "DAGSTER_CLOUD_GIT_BRANCH": "///"})
