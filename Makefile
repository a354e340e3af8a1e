# ctdb.cluster: set up, run the demo, run the tests.
# Every target works from a fresh Debian 12 checkout, as root (to install Debian packages).

SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# python3-etcd and python3-etcd3gw: the lock helper's tests also run it under /usr/bin/python3 with
# Debian's clients, as the etcd_lock role installs them on nodes.
# openssh-server, sudo, iproute2, iptables: the lab's hosts (tests/lab), reached over SSH with sudo;
# CTDB's 10.interface runs iptables inside each host's own network namespace.
# samba, smbclient, winbind: the lab's hosts run clustered Samba (roles/samba), reached with smbclient from the hub.
# prometheus (its promtool tests the alert rules of roles/ctdb_metrics) and prometheus-node-exporter (the textfile
# collector those metrics are for): installed under the policy-rc.d guard below, so neither service starts here.
DEBIAN_PACKAGES := ctdb etcd-server etcd-client samba-common-bin rsync python3-etcd python3-etcd3gw \
  openssh-server sudo iproute2 iptables samba smbclient winbind prometheus prometheus-node-exporter
COLLECTIONS := $(CURDIR)/.cache/collections
export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export ANSIBLE_ROLES_PATH := $(CURDIR)/roles
export ANSIBLE_NOCOLOR := 1
SANDBOX_NAME ?= sandbox
SANDBOX_NODES ?= 3
SANDBOX_SUBNET ?= 127.0.0
# Test support (sandbox, playbook runs, bad-input tables) is the importable package tests/support/ctdbtest.
export PYTHONPATH := $(CURDIR)/tests/support$(if $(PYTHONPATH),:$(PYTHONPATH))
SANDBOX := $(BIN)/python -m ctdbtest.sandbox
# The integration tests use their own sandbox, so they never disturb the demo's.
TEST_SANDBOX_NAME ?= test
TEST_SANDBOX_SUBNET ?= 127.0.10
# file, reverse or random:SEED: the order of the tests within each integration test module.
TEST_ORDER ?= file
# The lab: namespaced hosts reached over SSH (ctdbtest.lab in tests/support, docs/lab.md). Its addresses
# exist only inside the namespaces it creates. The tests use a lab of their own.
LAB_NAME ?= lab
LAB_HOSTS ?= 3
LAB_SUBNET ?= 10.213.0
LAB := $(BIN)/python -m ctdbtest.lab
TEST_LAB_NAME ?= labtest
TEST_LAB_SUBNET ?= 10.213.1

.PHONY: setup packages venv collection-link demo sandbox sandbox-stop sandbox-status test units typecheck sanity \
	integration bad-inputs-doc check clean lab lab-stop lab-status lab-test lab-demo timing-under-load

setup: packages venv collection-link

packages:
	@missing=""; for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" -ne 0 ]; then echo "Missing Debian packages:$$missing; run as root: apt-get install$$missing" >&2; exit 1; fi; \
	  guard=""; if [ ! -e /usr/sbin/policy-rc.d ]; then guard=/usr/sbin/policy-rc.d; \
	    printf '#!/bin/sh\n# make packages: no service starts in this machine while packages install\nexit 101\n' > $$guard; \
	    chmod 755 $$guard; trap 'rm -f '$$guard EXIT; fi; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

venv: $(BIN)/.installed

$(BIN)/.installed: requirements.txt requirements-test.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-test.txt
	touch $@

collection-link:
	@mkdir -p $(COLLECTIONS)/ansible_collections/ctdb
	@ln -sfn $(CURDIR) $(COLLECTIONS)/ansible_collections/ctdb/cluster

sandbox: setup
	@$(SANDBOX) status --name $(SANDBOX_NAME) >/dev/null 2>&1 || \
	  $(SANDBOX) start --name $(SANDBOX_NAME) --nodes $(SANDBOX_NODES) --subnet $(SANDBOX_SUBNET)

sandbox-stop:
	@$(SANDBOX) stop --name $(SANDBOX_NAME)

sandbox-status:
	@$(SANDBOX) status --name $(SANDBOX_NAME)

demo: sandbox
	$(BIN)/ansible-playbook -i .sandbox/$(SANDBOX_NAME)/inventory.yml playbooks/demo.yml

# Start (or restart) the lab; prints the path of its inventory.
lab: setup
	@$(LAB) start --name $(LAB_NAME) --hosts $(LAB_HOSTS) --subnet $(LAB_SUBNET)

lab-stop:
	@$(LAB) stop --name $(LAB_NAME)

# The whole story on a bare lab: converge over SSH, status, kill -9 of a ctdbd, its addresses
# on the other hosts, converge again. Leaves the lab running (make lab-stop ends it).
lab-demo: setup
	$(BIN)/python -m ctdbtest.lab_demo --name $(LAB_NAME) --hosts $(LAB_HOSTS) --subnet $(LAB_SUBNET)

lab-status:
	@$(LAB) status --name $(LAB_NAME)

units: setup
	$(BIN)/pytest -q tests/unit

# docs/bad_inputs.md from tests/integration/bad_inputs/*.yml (a unit test fails when it is stale).
bad-inputs-doc:
	$(BIN)/python -m ctdbtest.bad_inputs

# mypy (configuration and what it checks: mypy.ini) on plugins/ and the lock helper, from the
# collection link so that ansible_collections.ctdb.cluster imports resolve.
typecheck: setup
	cd $(COLLECTIONS) && $(CURDIR)/$(BIN)/mypy --config-file $(CURDIR)/mypy.ini \
	  ansible_collections/ctdb/cluster/plugins $(CURDIR)/roles/etcd_lock/files/ctdb_etcd_lock
	cd $(COLLECTIONS) && $(CURDIR)/$(BIN)/mypy --config-file $(CURDIR)/mypy.ini \
	  $(CURDIR)/roles/ctdb_metrics/files/ctdb_metrics_collector

sanity: setup
	bash tests/sanity/run.sh

# The quick loop before a commit: units, typecheck, and sanity on the files changed since CHECK_BASE
# (default: where this branch left main; on main itself, the uncommitted changes), committed or not.
CHECK_BASE ?= main
check: units typecheck
	@base=$$(git merge-base HEAD $(CHECK_BASE) 2>/dev/null || echo HEAD); \
	files=$$({ git diff --name-only $$base; git ls-files -o --exclude-standard; } | sort -u | grep -v '^tests/fixtures/' | \
	  while read -r f; do [ -f "$$f" ] && echo "$$f"; done); \
	if [ -z "$$files" ]; then echo "sanity: no file changed since $$base"; \
	else echo "sanity on $$(echo $$files | wc -w) changed file(s) since $$base"; bash tests/sanity/run.sh $$files; fi

# Each test module starts its own fresh sandbox and stops it, even on failure; the final
# stops catch anything an interrupted run left behind. INTEGRATION_WORKERS pytest-xdist workers
# (0: none) each take whole modules; worker N>0 has the sandbox TEST_SANDBOX_NAME-gwN on the subnet
# 10*N above TEST_SANDBOX_SUBNET (ctdbtest.sandbox.worker_settings).
INTEGRATION_WORKERS ?= 2
integration: setup
	CTDB_SANDBOX_NAME=$(TEST_SANDBOX_NAME) CTDB_SANDBOX_SUBNET=$(TEST_SANDBOX_SUBNET) \
	  $(BIN)/pytest -q -n $(INTEGRATION_WORKERS) --test-order=$(TEST_ORDER) tests/integration; rc=$$?; \
	  $(SANDBOX) stop --name $(TEST_SANDBOX_NAME) >/dev/null; \
	  for worker in $$(seq 1 $$(($(INTEGRATION_WORKERS) - 1))); do \
	    $(SANDBOX) stop --name $(TEST_SANDBOX_NAME)-gw$$worker >/dev/null; done; exit $$rc

# The lab tests (tests/lab): one lab of their own for the session, stopped at the end even
# after a failure or an interruption.
lab-test: setup
	LAB_NAME=$(TEST_LAB_NAME) LAB_SUBNET=$(TEST_LAB_SUBNET) $(BIN)/pytest -q --durations=15 tests/lab; rc=$$?; \
	  $(LAB) stop --name $(TEST_LAB_NAME); exit $$rc

# Sanity runs beside the lab suite: most of its time installs ansible-test's virtualenvs, and the lab's tests
# mostly wait for SSH and ctdbd (docs/testing.md). Its output is shown once both are done.
test: units typecheck integration
	@mkdir -p .cache; $(MAKE) --no-print-directory sanity > .cache/sanity.log 2>&1 & sanity=$$!; \
	  $(MAKE) --no-print-directory lab-test; lab=$$?; wait $$sanity; sane=$$?; \
	  echo "=== make sanity (run beside the lab suite) ==="; cat .cache/sanity.log; \
	  echo "lab-test: exit $$lab; sanity: exit $$sane"; [ $$lab -eq 0 ] && [ $$sane -eq 0 ]

# The tests whose verdict depends on time (marker `timing`), TIMING_ROUNDS times under a bounded load
# (ctdbtest.load: TIMING_CPU busy loops and TIMING_WRITERS dd loops that fsync), which stops when the
# rounds end or are interrupted. TIMING_TESTS: tests/integration (default) or tests/lab (a lab of its
# own, started each round). Exit status: that of the first failed round.
TIMING_ROUNDS ?= 10
TIMING_CPU ?= 2
TIMING_WRITERS ?= 1
TIMING_TESTS ?= tests/integration
timing-under-load: setup
	CTDB_SANDBOX_NAME=$(TEST_SANDBOX_NAME) CTDB_SANDBOX_SUBNET=$(TEST_SANDBOX_SUBNET) \
	  LAB_NAME=$(TEST_LAB_NAME) LAB_SUBNET=$(TEST_LAB_SUBNET) \
	  $(BIN)/python -m ctdbtest.load --rounds $(TIMING_ROUNDS) --cpu $(TIMING_CPU) --writers $(TIMING_WRITERS) \
	  -- $(BIN)/pytest -q -m timing $(TIMING_TESTS); rc=$$?; \
	  $(SANDBOX) stop --name $(TEST_SANDBOX_NAME) >/dev/null; $(LAB) stop --name $(TEST_LAB_NAME) >/dev/null 2>&1; \
	  exit $$rc

clean: sandbox-stop lab-stop
	rm -rf .cache .sandbox .lab tests/output
