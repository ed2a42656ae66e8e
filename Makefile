# The local default: everything runs on this machine (Spark in-process, Delta on disk, SQLite for
# Dagster). `make demo` and `make test` install what they need first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SCALE ?= 100000
DBT_TARGET ?= duckdb
# Extra `uv sync` flags: the container image installs with --no-dev.
SYNC_FLAGS ?=
export DAGSTER_HOME := $(CURDIR)
DBT_SOURCES := $(shell find dbt -path dbt/target -prune -o \( -name '*.sql' -o -name '*.yml' \) -print)

.PHONY: install demo test lint ui bench bench-silver bench-compute bench-delta validate dbt-build kafka-start kafka-stop cluster-start cluster-stop postgres-start postgres-stop clean

install: $(VENV)/.installed dbt/target/manifest.json

# Bytecode is compiled once here: where PYTHONDONTWRITEBYTECODE is set, every process (each run,
# the daemon, the tests) would otherwise compile thousands of modules again, ~5 s per start.
$(VENV)/.installed: pyproject.toml uv.lock platform/lakehouse/lib/spark/pom.xml platform/lakehouse/lib/kafka/pom.xml
	$(PYTHON) -m pip install --quiet --disable-pip-version-check "uv>=0.9,<0.14"
	$(PYTHON) -m uv sync --frozen --compile-bytecode $(SYNC_FLAGS)
	$(BIN)/python -m compileall -q platform
	$(BIN)/lakehouse jars
	touch $@

# The Gold dbt manifest, parsed once here so the code location loads fast.
dbt/target/manifest.json: $(VENV)/.installed $(DBT_SOURCES)
	$(BIN)/python -m lakehouse.defs.gold.project

demo: install
	$(BIN)/lakehouse demo --scale $(SCALE)

# Two processes, each test file in one of them: much of the suite waits on JVMs, brokers and servers.
# Files are handed out longest first (platform_tests/conftest.py), not by their number of tests.
test: install
	$(BIN)/pytest --numprocesses 2 --dist loadfile --no-loadscope-reorder

# Python (ruff: lint, import order, format), the dbt project's SQL (sqlfluff), the Dockerfile (hadolint),
# the GitHub workflow (its published schema, vendored in check-jsonschema), and no credential in any
# file (detect-secrets: a finding fails unless reviewed into .secrets.baseline, which is empty).
lint: install
	$(BIN)/ruff check
	$(BIN)/ruff format --check
	$(BIN)/sqlfluff lint dbt
	$(BIN)/hadolint Dockerfile
	$(BIN)/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
	$(BIN)/detect-secrets-hook --baseline .secrets.baseline --exclude-files '^uv\.lock$$' $$(git ls-files)

validate: install
	$(BIN)/dagster definitions validate -w workspace.yaml

ui: install
	$(BIN)/lakehouse ui

dbt-build: install
	$(BIN)/python -m lakehouse.defs.gold.dbt_cli build --target $(DBT_TARGET)

bench: install
	$(BIN)/python bench/bronze_ingestion.py --scale $(SCALE)

bench-silver: install
	$(BIN)/python bench/silver_incremental.py --scale $(SCALE)

# The main job in process vs every Spark step an application on the local cluster, at the demo's scale.
bench-compute: install
	$(BIN)/python bench/compute_targets.py --scale $(SCALE)

# CONF="--conf key=value" times runtime SQL settings against the defaults.
bench-delta: install
	$(BIN)/python bench/delta_operation_cost.py $(CONF)

# The local single-node Kafka broker (127.0.0.1, data in .lakehouse/kafka); `lakehouse produce` feeds it.
kafka-start: install
	$(BIN)/lakehouse kafka start

kafka-stop: install
	$(BIN)/lakehouse kafka stop

# The local Spark standalone cluster (127.0.0.1, state in .lakehouse/spark-cluster) of LAKEHOUSE_TARGET=local-cluster.
cluster-start: install
	$(BIN)/lakehouse cluster start

cluster-stop: install
	$(BIN)/lakehouse cluster stop

# A local PostgreSQL (127.0.0.1, state in .lakehouse/postgres) for the deployment's instance, deploy/dagster.yaml.
postgres-start: install
	$(BIN)/lakehouse postgres start

postgres-stop: install
	$(BIN)/lakehouse postgres stop

clean:
	[ ! -x $(BIN)/lakehouse ] || $(BIN)/lakehouse kafka stop
	[ ! -x $(BIN)/lakehouse ] || $(BIN)/lakehouse cluster stop
	[ ! -x $(BIN)/lakehouse ] || $(BIN)/lakehouse postgres stop
	rm -rf .lakehouse
