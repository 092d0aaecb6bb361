# The two commands of the README: `make demo` and `make test`. Each installs what it needs.
SHELL := /bin/bash
.DEFAULT_GOAL := help
JEST_WORKERS ?= 2

.PHONY: help setup build typecheck lint test test-unit test-integration tekton demo images bench release bundles clean

help:
	@echo "make demo   run the main job locally (registry, image, lifecycle steps)"
	@echo "make test   run the whole test suite (installs prerequisites first)"
	@echo "other: setup build typecheck lint tekton images bench release bundles clean"

setup:
	@scripts/install-prereqs.sh

build: setup
	@node build.mjs

typecheck: setup
	@npx tsc --noEmit -p .

lint: setup
	@npx eslint . && npx prettier --check . >/dev/null

tekton: setup
	@bash test/tekton/validate.sh

test: setup
	@bash test/tools/build-registry-v3.sh
	@npx tsc --noEmit -p .
	@node build.mjs
	@bash test/tekton/validate.sh
	@npx jest --maxWorkers=$(JEST_WORKERS) --ci

test-unit: setup
	@npx jest test/unit --maxWorkers=$(JEST_WORKERS)

test-integration: setup
	@npx jest test/integration --maxWorkers=$(JEST_WORKERS)

demo: build
	@bash examples/demo.sh

images: setup
	@bash images/build-images.sh

bench: build
	@bash bench/run.sh

# Release: a copy of the YAML in dist/release with every step image pinned by digest.
release: setup
	@bash scripts/release.sh

# Publish every Task and Pipeline as a Tekton bundle (see docs/bundles.md).
BUNDLE_PREFIX ?= quay.io/image-lifecycle/tekton
bundles: release
	@node --import tsx steps/cli.ts bundle --prefix $(BUNDLE_PREFIX) --path dist/release/tasks --path dist/release/pipelines

clean:
	rm -rf dist .cache test/artifacts
