# Every entry point of terraform-provider-pve. `make help` lists them.
SHELL := /bin/bash
CARGO ?= cargo
# The version has one source: [workspace.package] in Cargo.toml.
VERSION := $(shell sed -n '/^\[workspace\.package\]/,/^\[/s/^version *= *"\(.*\)"/\1/p' Cargo.toml)
OS_ARCH := $(shell uname -s | tr A-Z a-z)_$(shell uname -m | sed 's/x86_64/amd64/;s/aarch64/arm64/')
MIRROR ?= $(HOME)/.terraform.d/plugins
PLUGIN_DIR := $(MIRROR)/registry.terraform.io/pve-rs/pve/$(VERSION)/$(OS_ARCH)
export CHECKPOINT_DISABLE := 1

.PHONY: help build test tools demo install release testacc bench docs lint fmt clippy fuzz

help:
	@echo "make demo     build everything, start pve-sim, terraform apply the quickstart, show results"
	@echo "make test     install the pinned test tools if missing, then run every test"
	@echo "make build    build the provider and pve-sim"
	@echo "make install  build the release provider and copy it into the local plugin mirror ($(PLUGIN_DIR))"
	@echo "make release  build $(VERSION) in release mode and write the Registry artifacts into dist/"
	@echo "make testacc  run the end-to-end suite against a real PVE (PROXMOX_VE_ENDPOINT, PROXMOX_VE_API_TOKEN)"
	@echo "make bench    run the benchmarks"
	@echo "make docs     regenerate docs/ from the provider schema"
	@echo "make lint     cargo fmt --check and clippy -D warnings"
	@echo "make fuzz     run each cargo-fuzz target for FUZZ_SECONDS (needs nightly + cargo-fuzz)"

build:
	$(CARGO) build --workspace --bins

tools:
	@./tools/install.sh

# The e2e tests spawn the provider and pve-sim binaries, so build them first.
test: tools build
	$(CARGO) test --workspace

# The unpacked mirror layout Terraform's implied local mirror reads. Same build
# command as scripts/release.py, so one release build serves both.
install:
	$(CARGO) build --release --locked --bin terraform-provider-pve --bin pve-sim
	mkdir -p "$(PLUGIN_DIR)"
	install -m 0755 target/release/terraform-provider-pve "$(PLUGIN_DIR)/terraform-provider-pve_v$(VERSION)"
	@echo "installed registry.terraform.io/pve-rs/pve $(VERSION) into $(PLUGIN_DIR)"

# Zips, SHA256SUMS (+ .sig with GPG_FINGERPRINT), manifest and the pve-sim
# tarball in DIST. RELEASE_PLATFORMS=all (or a list) adds other platforms.
DIST ?= dist
release:
	DIST="$(DIST)" python3 scripts/release.py

demo: tools build
	@./scripts/demo.sh

testacc: tools build
	@test -n "$$PROXMOX_VE_ENDPOINT" || { echo "testacc: set PROXMOX_VE_ENDPOINT (and PROXMOX_VE_API_TOKEN) to a real PVE host"; exit 2; }
	PVE_TEST_TARGET=real $(CARGO) test -p pve-e2e -- --test-threads=1

# Measures the release build; start-up side by side with a Go provider
# (installed from PyPI by tools/install-go-peer.sh; reported as missing if not).
bench: tools
	$(CARGO) build --release -p terraform-provider-pve
	$(CARGO) build -p pve-bench
	mkdir -p target/bench
	set -o pipefail; $(CARGO) bench -p pve-sim --bench throughput | tee target/bench/pve-sim-throughput.txt
	peer="$$(./tools/install-go-peer.sh)" || { echo "make bench: the Go peer could not be installed; reporting our figures only"; peer=; }; \
	BENCH_GO_PEER="$$peer" PVE_PROVIDER_DIR=$(CURDIR)/target/release BENCH_SIM_THROUGHPUT=target/bench/pve-sim-throughput.txt \
	  BENCH_OUTPUT=target/bench/report.md ./target/debug/pve-bench

docs: build
	$(CARGO) run --quiet -p terraform-provider-pve --bin gen-docs -- --root .

FUZZ_SECONDS ?= 60
fuzz:
	@command -v cargo-fuzz >/dev/null && rustup toolchain list | grep -q nightly || { echo "make fuzz: needs a nightly toolchain and cargo-fuzz (cargo install cargo-fuzz); the test suite already runs deterministic fuzz passes on stable"; exit 1; }
	cd fuzz && for target in msgpack_decode sim_params; do cargo +nightly fuzz run $$target -- -max_total_time=$(FUZZ_SECONDS) || exit 1; done

fmt:
	$(CARGO) fmt --all

clippy:
	$(CARGO) clippy --workspace --all-targets -- -D warnings

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
