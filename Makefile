# Common tasks. `make demo` is the main job; `make test` is what CI runs (.ci/run).
CARGO ?= cargo

.PHONY: demo test up up-processes certs lint fmt conformance-tooling mutants coverage

# The smoke pack; reports when asked: make demo ARGS="--junit smoke.xml --html smoke.html"
demo:
	$(CARGO) run --release -p dccsim -- run scenarios/smoke $(ARGS)

# Unit, integration and bench-as-test targets with cargo-nextest when it is installed (each test
# its own process, as many at once as there are cores; settings in .config/nextest.toml), with
# `cargo test` otherwise; --all-targets runs no doctests: they run second.
test:
	@if $(CARGO) nextest --version >/dev/null 2>&1; then \
		echo "$(CARGO) nextest run --workspace --all-targets"; \
		$(CARGO) nextest run --workspace --all-targets; \
	else \
		echo "cargo-nextest not installed: $(CARGO) test --workspace --all-targets --no-fail-fast"; \
		$(CARGO) test --workspace --all-targets --no-fail-fast; \
	fi
	$(CARGO) test --workspace --doc

up:
	$(CARGO) run --release -p dccsim -- up

up-processes:
	$(CARGO) run --release -p dccsim -- up --processes

certs:
	$(CARGO) run --release -p dccsim -- certs init --seed 1 --out certs

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	# The fuzz targets are outside the workspace: a changed API breaks them only at .ci/fuzz.
	$(CARGO) check --manifest-path fuzz/Cargo.toml

fmt:
	$(CARGO) fmt --all

# DCC's own npm tooling (GPL-3.0), fetched into the ignored .dcc-tooling/ for conformance tests.
conformance-tooling:
	bash .ci/fetch-dcc-tooling

# Mutation testing of the security and fidelity code (slow: hours; not run by CI). See .ci/mutants.
mutants:
	bash .ci/mutants

# Line coverage per crate with cargo-llvm-cov (not run by CI). See .ci/coverage.
coverage:
	bash .ci/coverage
