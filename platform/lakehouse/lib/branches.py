"""Branch deployments: Dagster+ runs a pull request's code in a deployment of its own, and gives it a
lake of its own beside production's (`<branches root>/<deployment>`), so nothing it runs writes to
production. Which deployment a process serves comes from the variables Dagster+ sets in every one."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

from lakehouse.lib.storage import LakehouseStorage, join_uri

IS_BRANCH_ENV = "DAGSTER_CLOUD_IS_BRANCH_DEPLOYMENT"
DEPLOYMENT_ENV = "DAGSTER_CLOUD_DEPLOYMENT_NAME"
GIT_BRANCH_ENV = "DAGSTER_CLOUD_GIT_BRANCH"
PULL_REQUEST_ENV = "DAGSTER_CLOUD_PULL_REQUEST_ID"
BRANCHES_ROOT_ENV = "LAKEHOUSE_BRANCHES_ROOT"


class BranchLakeError(ValueError):
    pass


@dataclass(frozen=True)
class BranchDeployment:
    name: str  # the Dagster+ deployment's name
    git_branch: str | None = None
    pull_request: str | None = None

    @property
    def folder(self) -> str:
        """The branch lake's folder: the git branch (else the deployment's name) in lower case letters,
        digits and dashes, so the workflow that closes a pull request can name it too."""
        folder = re.sub(r"[^a-z0-9]+", "-", (self.git_branch or self.name).lower()).strip("-")
        if not folder:
            raise BranchLakeError(f"the branch deployment name {self.name!r} makes no folder name")
        return folder


def current_branch_deployment(environ: Mapping[str, str] = os.environ) -> BranchDeployment | None:
    """The branch deployment this process serves, or None in production and locally."""
    if environ.get(IS_BRANCH_ENV) != "1":
        return None
    if not environ.get(DEPLOYMENT_ENV):
        raise BranchLakeError(f"{IS_BRANCH_ENV}=1 but {DEPLOYMENT_ENV} is not set: which branch lake is this?")
    return BranchDeployment(environ[DEPLOYMENT_ENV], environ.get(GIT_BRANCH_ENV), environ.get(PULL_REQUEST_ENV))


def branches_root(production_root: str, environ: Mapping[str, str] = os.environ) -> str:
    """Where branch lakes live: LAKEHOUSE_BRANCHES_ROOT, else a `branches` folder beside the production
    root (`s3a://lake/prod` -> `s3a://lake/branches`). Never inside it: production's maintenance walks that."""
    if environ.get(BRANCHES_ROOT_ENV):
        root = environ[BRANCHES_ROOT_ENV].rstrip("/")
    else:
        parent = production_root.rstrip("/").rpartition("/")[0]
        if "://" not in parent or parent.endswith(("://", ":/")):
            raise BranchLakeError(
                f"the production root {production_root} has no parent folder for branch lakes: set {BRANCHES_ROOT_ENV}"
            )
        root = join_uri(parent, "branches")
    if (root + "/").startswith(production_root.rstrip("/") + "/"):
        raise BranchLakeError(f"branch lakes ({root}) cannot live inside the production lake ({production_root})")
    return root


def branch_lake_root(production_root: str, branch: BranchDeployment, environ: Mapping[str, str] = os.environ) -> str:
    return join_uri(branches_root(production_root, environ), branch.folder)


def storage_for_deployment(production: LakehouseStorage, environ: Mapping[str, str] = os.environ) -> LakehouseStorage:
    """Production's storage, or on a branch deployment the branch's lake, reading production only to clone it."""
    branch = current_branch_deployment(environ)
    if branch is None:
        return production
    return LakehouseStorage(
        root_uri=branch_lake_root(production.root_uri, branch, environ), production_root_uri=production.root_uri
    )
