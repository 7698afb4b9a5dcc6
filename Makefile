# Common tasks. `make demo` is the main job; `make test` is what CI runs (.ci/run).
CARGO ?= cargo

.PHONY: demo test up up-processes certs lint fmt conformance-tooling

# The smoke pack; reports when asked: make demo ARGS="--junit smoke.xml --html smoke.html"
demo:
	$(CARGO) run --release -p dccsim -- run scenarios/smoke $(ARGS)

test:
	$(CARGO) test --workspace --all-targets

up:
	$(CARGO) run --release -p dccsim -- up

up-processes:
	$(CARGO) run --release -p dccsim -- up --processes

certs:
	$(CARGO) run --release -p dccsim -- certs init --seed 1 --out certs

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

fmt:
	$(CARGO) fmt --all

# DCC's own npm tooling (GPL-3.0), fetched into the ignored .dcc-tooling/ for conformance tests.
conformance-tooling:
	bash .ci/fetch-dcc-tooling
