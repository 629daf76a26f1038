# multidb-platform — the commands users and CI run. `make help` lists them.
#
#   make setup                  prepare this machine (idempotent; caches outside the clone)
#   make up   [IMAGES=standin]  provision, initialize, verify and report (site.yml)
#   make plan [IMAGES=standin]  show what `make up` would change (check mode), change nothing
#   make plan ENV=aws           the same on inventories/aws (or ENV=aws-staging)
# TF=tofu|terraform|<path> picks the binary for up, plan, down, drift, status and lint.
# ARGS="-e ..." passes extra ansible-playbook arguments to down, drift and status.
#   make down [DESTROY_DATA=true] remove containers + network, keep volumes/secrets (or delete all)
#   make backup                 one backup of every enabled data service into the object store
#                               (or multidb_backup_target); SERVICES="postgres" limits
#   make restore [BACKUP=<ts>]  restore the latest (or that) complete backup, checked first
#   make backup-schedule        a systemd timer running make backup's playbook daily
#   make drift                  Terraform plan + health checks; non-zero exit on drift
#   make status                 health report; exit 0 healthy, else non-zero (scripts/status.sh:
#                               0 healthy, 1 degraded, 2 down, 3 no platform or error)
#   make test [IMAGES=upstream] lint + molecule (converge, idempotence, verify; verify ends with
#                               the operations tests: bad input, check/drift/status/teardown,
#                               faults, secrets; OPS_TESTS=0 leaves them out)
#   make test-ops               only the operations tests, on an instance of their own
#   make awx-configure ARGS="-e multidb_awx_project_url=... -e multidb_awx_project_branch=...
#        -e multidb_awx_execution_environment_image=..."  job templates as code in an AWX
#                               (CONTROLLER_HOST + CONTROLLER_OAUTH_TOKEN from the environment)
#   make ee                     the execution environment image (ansible-builder, local Docker engine)
#   make ee-test                jobs in that image (ansible-runner --process-isolation): PostgreSQL +
#                               Redis converge, a re-run with changed=0, teardown (not in make test)
#
# IMAGES=upstream (default for up/plan) uses the upstream images; IMAGES=standin builds
# the stand-ins in tests/images/ (only those missing or changed) and selects them
# through the image variables only. `make test` defaults to the stand-ins so it runs offline.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

MULTIDB_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/multidb-platform
export MULTIDB_CACHE
export PATH := $(CURDIR)/.venv/bin:$(MULTIDB_CACHE)/bin:$(PATH)
# := not ?=: some environments preset TF_CLI_CONFIG_FILE to a file that does not exist.
export TF_CLI_CONFIG_FILE := $(MULTIDB_CACHE)/terraform/terraformrc
export CHECKPOINT_DISABLE := 1
export TFLINT_DISABLE_VERSION_CHECK := 1
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg

# ENV=aws or ENV=aws-staging: up, plan, down, drift, status on that inventory (a machine with the
# hashicorp/aws provider and AWS credentials; terraform/environments/aws/README.md). INVENTORY=
# names any other inventory directory.
# Only from the command line: a shell's own ENV variable (sh's start-up file) is not ours.
ifneq ($(origin ENV),command line)
ENV := local
endif
INVENTORY ?= inventories/$(ENV)
STANDIN_VARS := tests/images/standin.yml

ifneq ($(filter test test-ops,$(MAKECMDGOALS)),)
IMAGES ?= standin
endif
IMAGES ?= upstream
ifeq ($(IMAGES),standin)
IMAGE_VARS := -e @$(STANDIN_VARS)
IMAGE_DEP := images
else ifeq ($(IMAGES),upstream)
IMAGE_VARS :=
IMAGE_DEP :=
else
$(error IMAGES must be 'upstream' or 'standin', not '$(IMAGES)')
endif
ifneq ($(ENV)$(IMAGES),localstandin)
ifeq ($(IMAGES),standin)
$(error IMAGES=standin selects local stand-in images: it applies to ENV=local only, not ENV=$(ENV))
endif
endif

# TF=tofu (or terraform, or a path): the binary that runs Terraform's commands for this command
# (multidb_terraform_binary). Empty: `terraform` on PATH, else `tofu` (make setup builds OpenTofu).
TF ?=
TF_VARS := $(if $(TF),-e multidb_terraform_binary=$(TF))

# Runs a stage and records its time (.ci/run prints the table at the end).
STAGE := bash scripts/stage.sh

TF_DIRS := $(sort $(dir $(wildcard terraform/environments/*/versions.tf terraform/modules/*/*/versions.tf)))
# The AWS root and modules (terraform/environments/aws, terraform/modules/*/aws and the shared
# AWS building blocks terraform/modules/shared/aws-*) get fmt, tflint and checkov but no
# init/validate: the hashicorp/aws provider cannot be installed on our machines. The unit tier
# checks their arguments against the provider's schema instead (tests/unit/test_aws_schema.py)
# and their `service` outputs against the local twins.
AWS_TF_DIRS := $(filter %/aws/ terraform/modules/shared/aws-%,$(TF_DIRS))

.PHONY: help setup images up plan down backup backup-schedule restore drift migrate-state status awx-configure test unit lint lint-terraform lint-checkov lint-ansible molecule test-ops bench bench-backup bench-scylla ee ee-test

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

setup: ## Prepare this machine: Docker engine, venv, collections, Terraform + provider, tflint
	bash scripts/setup.sh

images: ## Build the stand-in images that are missing or changed (STANDINS="a b" to pick)
	$(STAGE) images bash scripts/build-standin-images.sh $(STANDINS)

# SERVICES="redis scylla": initialize, verify and report only those services (inventory
# hosts of multidb_services); preflight and Terraform always cover the whole environment.
comma := ,
space := $() $()
LIMIT := $(if $(SERVICES),--limit "$(subst $(space),$(comma),$(strip $(SERVICES)))")

up: $(IMAGE_DEP) ## Provision, initialize, verify and report (IMAGES=standin offline; SERVICES="redis" limits)
	ansible-playbook site.yml -i $(INVENTORY) $(IMAGE_VARS) $(TF_VARS) $(LIMIT) $(ARGS)

plan: $(IMAGE_DEP) ## Show the plan and what would change; changes nothing
	ansible-playbook site.yml -i $(INVENTORY) $(IMAGE_VARS) $(TF_VARS) --check --diff $(LIMIT) $(ARGS)

down: ## Remove containers and network, keep volumes and secrets (DESTROY_DATA=true deletes them)
	ansible-playbook playbooks/teardown.yml -i $(INVENTORY) $(IMAGE_VARS) $(TF_VARS) $(if $(filter true,$(DESTROY_DATA)),-e multidb_destroy_data=true) $(ARGS)

backup: ## One backup of every enabled data service into the backup target (SERVICES= limits; ARGS="-e @target.yml")
	ansible-playbook playbooks/backup.yml -i $(INVENTORY) $(IMAGE_VARS) $(LIMIT) $(ARGS)

backup-schedule: ## A systemd timer that runs backup.yml daily on this machine (ARGS="-e multidb_backup_schedule_state=absent" removes it)
	ansible-playbook playbooks/backup-schedule.yml -i $(INVENTORY) $(ARGS)

# BACKUP=<timestamp> (e.g. 20261204T053000Z) picks a complete backup; default the latest.
restore: ## Restore the latest complete backup (BACKUP=<timestamp> picks one; SERVICES= limits; --check in ARGS plans)
	ansible-playbook playbooks/restore.yml -i $(INVENTORY) $(IMAGE_VARS) $(LIMIT) $(if $(BACKUP),-e multidb_restore_backup=$(BACKUP)) $(ARGS)

drift: ## Terraform plan + health checks; exits non-zero and reports what drifted
	ansible-playbook playbooks/drift.yml -i $(INVENTORY) $(IMAGE_VARS) $(TF_VARS) $(ARGS)

migrate-state: ## Move an instance's Terraform state from its state directory to S3 (S3 settings in ARGS or the inventory)
	ansible-playbook playbooks/migrate-state.yml -i $(INVENTORY) $(IMAGE_VARS) $(TF_VARS) $(ARGS)

# make turns every non-zero exit into 2: scripts/status.sh gives the exact code.
status: ## Health report; scripts/status.sh exits 0 healthy, 1 degraded, 2 down, 3 no platform/error
	@bash scripts/status.sh -i $(INVENTORY) $(IMAGE_VARS) $(TF_VARS) $(LIMIT) $(ARGS)

# The AWX this configures and its credentials come from the environment, as the awx.awx modules
# read them: CONTROLLER_HOST, CONTROLLER_OAUTH_TOKEN (or CONTROLLER_USERNAME + CONTROLLER_PASSWORD),
# CONTROLLER_VERIFY_SSL. ARGS="--check ..." says what would change.
awx-configure: ## Create/update the project, inventories, credential types, job templates + schedule in an AWX (CONTROLLER_HOST; ARGS="-e ...")
	ansible-playbook playbooks/awx-configure.yml $(ARGS)

lint: ## terraform fmt/validate, tflint, checkov (AWS), ansible-lint (production profile)
	$(STAGE) lint $(MAKE) --no-print-directory lint-terraform lint-checkov lint-ansible

lint-terraform:
	@tf="$(or $(TF),$$(command -v terraform || command -v tofu))"; \
	echo "== $$tf fmt"; "$$tf" fmt -check -recursive -diff terraform; \
	for d in $(filter-out $(AWS_TF_DIRS),$(TF_DIRS)); do \
	  echo "== $$(basename "$$tf") validate + tflint: $$d"; \
	  TF_DATA_DIR="$(MULTIDB_CACHE)/tf-validate/$$(basename "$$tf")/$$(echo $$d | tr / _)" "$$tf" -chdir=$$d init -backend=false -input=false -no-color >/dev/null; \
	  TF_DATA_DIR="$(MULTIDB_CACHE)/tf-validate/$$(basename "$$tf")/$$(echo $$d | tr / _)" "$$tf" -chdir=$$d validate -no-color; \
	  tflint --chdir=$$d --config="$(CURDIR)/.tflint.hcl" --no-color; \
	done; \
	for d in $(AWS_TF_DIRS); do \
	  echo "== tflint (no init/validate: the aws provider cannot be installed here): $$d"; \
	  tflint --chdir=$$d --config="$(CURDIR)/.tflint.hcl" --no-color; \
	done

# checkov's policies on terraform/: in effect the AWS root and modules. checkov knows no Docker
# resource (it counts 0 resources in environments/local and the local modules), and checks each
# AWS module once, as environments/aws calls it (modules nobody calls: on their own). One run
# over the tree: checkov 3.3.30 repeats earlier directories' results in each report of a
# multi-`-d` run. Skips only in .checkov.yaml, each with its reason. A check that crashes on a
# value it cannot read ("Failed to run check") neither passes nor fails: that fails the target.
lint-checkov:
	@echo "== checkov: terraform (AWS: $(AWS_TF_DIRS))"
	@checkov -d terraform --framework terraform --config-file .checkov.yaml --compact --quiet 2>&1 | \
	  awk '{ print } /Failed to run check/ { bad = bad " " $$(NF-2) } \
	    END { if (bad) { print "checkov: these checks did not run (error above), so they neither passed nor failed:" bad; exit 1 } }'

# ansible-lint's `args` rule (module arguments against the modules' own argument specs, offline)
# is in no profile: it runs on the AWX playbook, whose awx.awx modules take every argument in the
# task. It is not run on the roles: their modules get their connection from module_defaults groups,
# which the rule does not see (it would report every connection argument missing).
lint-ansible:
	ansible-lint --profile production
	ansible-lint --profile production --enable-list args --strict playbooks/awx-configure.yml

# The operations and safety tests (issue 6) break and rebuild the instance and delete it at
# the end: with OPS_TESTS=1 (the default) they run after every other test, as a stage of
# their own on the same converged instance (scripts/molecule-test.sh).
OPS_TESTS ?= 1
molecule: $(IMAGE_DEP) ## molecule's test sequence (default scenario) on real containers, each stage timed
	MULTIDB_OPS_TESTS=$(OPS_TESTS) MULTIDB_IMAGE_VARS="$(CURDIR)/$(if $(IMAGE_VARS),$(STANDIN_VARS),molecule/default/images-upstream.yml)" \
	  bash scripts/molecule-test.sh

# The operations tests alone, on an instance of their own (multidb-ops, ports 2xxxx,
# tests/ops-instance.yml), so they run beside a molecule instance.
OPS_VARS ?= $(CURDIR)/tests/ops-instance.yml
test-ops: $(IMAGE_DEP) ## Operations tests alone: bad input, check/drift/status/teardown, faults, secrets
	MULTIDB_OPS_TESTS=1 MULTIDB_TEST_VARS="$(OPS_VARS)" MULTIDB_IMAGE_VARS="$(CURDIR)/$(if $(IMAGE_VARS),$(STANDIN_VARS),molecule/default/images-upstream.yml)" \
	  pytest -p no:cacheprovider -v --durations=0 -m ops tests

# On every core (pytest-xdist): a third of its tests run Ansible or moto's server in a subprocess;
# worksteal evens out the one long test (backup_object against S3, ~11 s). 33 -> 22 s here.
unit: ## Unit tier: plugins and filters without Docker (seconds)
	MULTIDB_UNIT_TESTS=1 $(STAGE) unit pytest -q -p no:cacheprovider -n auto --dist worksteal tests/unit

BENCH_RUNS ?= 3
bench: images ## How long users wait: cold site.yml, no-op, --check, apply->healthy floor (min/median of BENCH_RUNS=3)
	python scripts/bench.py --runs $(BENCH_RUNS) --image-vars $(CURDIR)/$(STANDIN_VARS)

bench-backup: images ## Backup and restore time and size per service for a stated data volume (tests/backup_data BULK)
	python scripts/bench_backup.py --image-vars $(CURDIR)/$(STANDIN_VARS)

RUNS ?= 10
bench-scylla: images ## Cold ScyllaDB cluster formations on the stand-in (RUNS=10): times, failures, thread dumps
	python scripts/bench_scylla_formation.py --runs $(RUNS) --image-vars $(CURDIR)/$(STANDIN_VARS)

# The execution environment (execution-environment.yml, ansible-builder 3.x): scripts/build-ee.sh
# stages the collection tarball, its dependencies, OpenTofu and the provider mirror, then builds
# multidb-platform/ee:<version> with the local Docker engine. Not part of `make test`: a cold build
# takes about two minutes on our machines (README, "Execution environment").
ee: ## Build the execution environment image multidb-platform/ee:<version> (ansible-builder, local Docker)
	$(STAGE) ee bash scripts/build-ee.sh build

ee-test: ee ## Jobs in the EE (ansible-runner --process-isolation): PostgreSQL + Redis converge, re-run changed=0, teardown
	bash scripts/build-standin-images.sh postgres redis
	$(STAGE) ee-test python scripts/ee_job.py

# molecule's verify is handed every test file, tests/unit's too: after the unit stage of
# `make test` it leaves them out (tests/conftest.py).
# Lint runs beside molecule (one Ansible run leaves a core idle most of the time, and lint is
# ~40 s of one core): its output is printed when molecule has ended, and a lint failure fails the
# test command as before. The unit tier still runs first, alone.
test: export MULTIDB_UNIT_TESTS := 0
test: unit ## The test command: unit tier, then lint beside molecule (converge, idempotence, verify, operations)
	@lint_log="$$(mktemp)"; \
	MULTIDB_STAGE_BESIDE=1 $(MAKE) --no-print-directory lint >"$$lint_log" 2>&1 & lint_pid=$$!; \
	rc=0; $(MAKE) --no-print-directory IMAGES=$(IMAGES) molecule || rc=$$?; \
	lint_rc=0; wait "$$lint_pid" || lint_rc=$$?; \
	echo "== output of stage lint (it ran beside molecule):"; cat "$$lint_log"; rm -f "$$lint_log"; \
	[ "$$lint_rc" -eq 0 ] || echo "== lint failed (its output is above)"; \
	[ "$$rc" -eq 0 ] && [ "$$lint_rc" -eq 0 ]
