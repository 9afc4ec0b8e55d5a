# Sud Pro API. The two commands a new user needs: `make run` and `make test`.
GO      ?= go
BIN     := bin/sudpro
PKGS    := ./...

.PHONY: run test build generate lint fuzz check-generated postgres clean help bench

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

run: postgres build ## serve the API with GraphiQL at http://localhost:8080/ on a private PostgreSQL with demo data
	./$(BIN) serve

test: postgres ## everything the tests need, then all tests (vet, unit, PostgreSQL, HTTP, a short fuzz)
	$(GO) vet $(PKGS)
	$(GO) test -count=1 $(PKGS)
	$(GO) test -run '^$$' -fuzz FuzzParseRIDET -fuzztime 5s ./model

build: ## build bin/sudpro
	$(GO) build -o $(BIN) .

generate: ## regenerate gqlgen code after changing schema.graphqls, schema/*.graphqls or gqlgen.yml
	$(GO) generate $(PKGS)

lint: ## gofmt, go vet and staticcheck
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1)
	$(GO) vet $(PKGS)
	$(GO) tool staticcheck $(PKGS)

check-generated: ## fail when go generate changes a tracked file
	$(GO) generate $(PKGS)
	git diff --exit-code

bench: postgres ## query shapes A–E at New Caledonia scale beside PostGraphile and pgbench, then the rush F (3 runs, under 20 minutes); rewrites BENCHMARKS.md
	$(GO) run ./bench/rush -runs 3 -out BENCHMARKS.md

postgres: ## install PostgreSQL server binaries when missing (apt on Debian/Ubuntu)
	@./scripts/ensure-postgres.sh

clean: ## remove the binary and the private PostgreSQL data (.data/)
	rm -rf bin .data
