"""The resources a step reads, sent to a remote Spark driver: their settings as Pipes extras, their
secrets (a resource's `secret_fields`) in the driver's environment, never in the extras, which Dagster
writes where the driver can read them."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

import dagster as dg


def _secret_env(key: str, field: str) -> str:
    return f"LAKEHOUSE_STEP_SECRET_{key.upper()}_{field.upper()}"


def resource_settings(resources: Mapping[str, dg.ConfigurableResource]) -> tuple[dict[str, Any], dict[str, str]]:
    """(extras, environment) from which `rebuild_resources` makes the same resources."""
    extras, env = {}, {}
    for key, resource in resources.items():
        values = {name: getattr(resource, name) for name in type(resource).model_fields}
        for field in getattr(resource, "secret_fields", ()):
            env[_secret_env(key, field)] = str(values.pop(field))
        extras[key] = {"class": f"{type(resource).__module__}:{type(resource).__qualname__}", "values": values}
    return extras, env


def rebuild_resources(settings: Mapping[str, Any], environ: Mapping[str, str]) -> dict[str, Any]:
    resources = {}
    for key, setting in settings.items():
        module, name = setting["class"].split(":")
        cls = getattr(importlib.import_module(module), name)
        secrets = {field: environ[_secret_env(key, field)] for field in getattr(cls, "secret_fields", ())}
        resources[key] = cls(**setting["values"], **secrets)
    return resources
