"""Which parts of the package may import which, read from the source (AST), so a wrong-way import fails
here before anyone has to find it: transformations are pure, building blocks never reach into the asset
definitions or the sample sources, the code location never loads the sample sources, and settings are
read from the environment in one place."""

import ast
import subprocess
import sys
from pathlib import Path

import lakehouse

PACKAGE = Path(lakehouse.__file__).parent
# What a transformation may use besides the standard library and other transformations: Spark, pandas
# (vectorised UDFs) and the reference data of the field (ISO countries and currencies, phone numbers).
TRANSFORM_LIBRARIES = {"pyspark", "pandas", "pycountry", "phonenumbers"}
# The modules that may read LAKEHOUSE_* settings: the target switch, and two settings of this machine
# rather than of a deployment (the local Spark JVM's knobs, the jar cache).
READS_SETTINGS = {"lib/targets.py", "lib/spark/session.py", "lib/maven.py"}


def modules(folder: str) -> dict[str, ast.Module]:
    return {str(p.relative_to(PACKAGE)): ast.parse(p.read_text()) for p in sorted((PACKAGE / folder).rglob("*.py"))}


def imported(tree: ast.Module) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def test_transformations_import_only_spark_pandas_reference_data_and_each_other():
    allowed_roots = sys.stdlib_module_names | TRANSFORM_LIBRARIES
    wrong = {
        path: sorted(name for name in imported(tree) if not _allowed_in_transforms(name, allowed_roots))
        for path, tree in modules("transforms").items()
    }
    assert {path: names for path, names in wrong.items() if names} == {}


def _allowed_in_transforms(name: str, allowed_roots: set[str]) -> bool:
    root = name.split(".")[0]
    return name.startswith("lakehouse.transforms") if root == "lakehouse" else root in allowed_roots


def test_building_blocks_never_import_asset_definitions_or_sample_sources():
    wrong = {
        path: sorted(name for name in imported(tree) if name.startswith(("lakehouse.defs", "lakehouse.sources")))
        for path, tree in modules("lib").items()
    }
    assert {path: names for path, names in wrong.items() if names} == {}


def test_the_code_location_never_loads_the_sample_sources_or_the_command_line():
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, lakehouse.definitions as d; d.defs(); print(*sorted(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert [m for m in loaded if m.startswith(("lakehouse.sources", "lakehouse.cli"))] == []
    assert "lakehouse.defs.silver.tables" in loaded  # the check looked at a loaded code location


def test_lakehouse_settings_are_read_from_the_environment_in_one_place():
    readers = {
        path
        for folder in ("lib", "defs", "transforms")
        for path, tree in modules(folder).items()
        if any(_reads_setting(node) for node in ast.walk(tree))
    }
    assert readers == READS_SETTINGS


def _reads_setting(node: ast.AST) -> bool:
    """`os.environ.get("LAKEHOUSE_...")`, `os.getenv("LAKEHOUSE_...")` or `os.environ["LAKEHOUSE_..."]`, also by a
    constant whose value starts so (read by name: FOO_ENV = "LAKEHOUSE_FOO")."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args:
        target = ast.unparse(node.func)
        if target in ("os.environ.get", "os.getenv", "os.environ.setdefault"):
            return _names_setting(node.args[0])
    if isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ":
        return _names_setting(node.slice)
    return False


def _names_setting(argument: ast.AST) -> bool:
    if isinstance(argument, ast.Constant):
        return str(argument.value).startswith("LAKEHOUSE_")
    return isinstance(argument, ast.Name) and argument.id.endswith("_ENV")
