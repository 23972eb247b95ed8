SHELL := /bin/bash
.DEFAULT_GOAL := help
LOCAL := deploy/local
UV := $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
PYTEST_ARGS ?=

.PHONY: help
help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-16s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: run
run: install test-prereqs infra-up topics oidc-up services-up web-up ## install what is missing, start servers, topics, all services and the web app
	@echo
	@echo "vanthu is running on 127.0.0.1:"
	@echo "  web app   http://127.0.0.1:$${VANTHU_WEB_PORT:-8080}/   (sign in: pick a person; APIs at /api/<service>/, portal at /portal/)"
	@echo "  intake    http://127.0.0.1:8001/docs   (worker health :8101)"
	@echo "  routing   http://127.0.0.1:8002/docs   (worker health :8102)"
	@echo "  exchange  http://127.0.0.1:8003/docs   (worker health :8103)"
	@echo "  archive   http://127.0.0.1:8004/docs   (worker health :8104)"
	@echo "  Kafka 127.0.0.1:$${VANTHU_KAFKA_PORT:-9092} (SASL/SCRAM) · Mongo-wire 127.0.0.1:$${VANTHU_MONGO_PORT:-27017} · MinIO http://127.0.0.1:$${VANTHU_MINIO_CONSOLE_PORT:-9001} (logins in .local/secrets.env)"
	@echo "  a token:  .venv/bin/vanthu token --user clerk1 --agency 000.00.00.G22 --role clerk"
	@echo "  stop it:  make stop"

.PHONY: stop
stop: web-down services-down oidc-down infra-down ## stop the web app, the services and the servers (data is kept in .local/)

.PHONY: status
status: ## what is running
	@$(LOCAL)/infra.sh status
	@$(LOCAL)/services.sh status
	@$(LOCAL)/web.sh status

.PHONY: test
test: install test-prereqs web-build ## run every test against real servers (starts them when needed)
	$(UV) run pytest $(PYTEST_ARGS)

.PHONY: test-unit
test-unit: install ## only the tests that need no server
	$(UV) run pytest -m "not integration and not e2e" $(PYTEST_ARGS)

.PHONY: install
install: uv ## Python environment and the local servers' builds (cached)
	@$(UV) sync --frozen --quiet || $(UV) sync --quiet
	@$(LOCAL)/infra.sh install

.PHONY: uv
uv:
	@command -v uv >/dev/null || [ -x $(HOME)/.local/bin/uv ] || python3 -m pip install --quiet --user uv \
		|| python3 -m pip install --quiet --break-system-packages uv

.PHONY: test-prereqs
test-prereqs: ## Debian tools the suite uses: kcat, curl, Tesseract with Vietnamese, OCRmyPDF, fonts
	@$(LOCAL)/prereqs.sh

.PHONY: oidc-up
oidc-up: ## with VANTHU_OIDC=keycloak: start Keycloak (realm vanthu) and sign in through it (ADR 0009)
	@if [ "$${VANTHU_OIDC:-}" = keycloak ]; then $(LOCAL)/keycloak.sh up; \
	else rm -f "$${VANTHU_STATE_DIR:-.local}/run/keycloak.env"; fi

.PHONY: oidc-down
oidc-down:
	@$(LOCAL)/keycloak.sh down

.PHONY: infra-up
infra-up: ## start Kafka (KRaft), FerretDB and MinIO on 127.0.0.1
	@$(LOCAL)/infra.sh up

.PHONY: infra-down
infra-down: ## stop the servers
	@$(LOCAL)/infra.sh down

.PHONY: infra-status
infra-status: ## state of the servers
	@$(LOCAL)/infra.sh status

.PHONY: topics
topics: ## create the contracts' topics and their .dlq twins
	@set -a; . <($(LOCAL)/infra.sh env); set +a; $(UV) run vanthu topics ensure

.PHONY: services-up
services-up: ## start the four services (API and worker each)
	@$(LOCAL)/services.sh up

.PHONY: services-down
services-down:
	@$(LOCAL)/services.sh down

.PHONY: web-build
web-build: ## build the web app (npm ci and vite build, each skipped when nothing changed)
	@$(LOCAL)/web.sh build

.PHONY: web-up
web-up: ## build the web app and serve it with the APIs through nginx on 127.0.0.1:8080
	@$(LOCAL)/web.sh up

.PHONY: web-down
web-down:
	@$(LOCAL)/web.sh down

.PHONY: web-test
web-test: web-build ## the web app's component tests (vitest) and its browser tests
	cd web && npx --no-install vitest run
	$(UV) run pytest tests/e2e/test_web_flow.py tests/unit/test_web_dev_signin.py $(PYTEST_ARGS)

.PHONY: web-api-types
web-api-types: ## regenerate the web app's API types (web/src/api/generated/) from the services' OpenAPI
	@$(LOCAL)/web.sh build
	$(UV) run python web/scripts/api_types.py

.PHONY: web-api-types-check
web-api-types-check: ## fail when web/src/api/generated/ differs from the services' OpenAPI documents
	@$(LOCAL)/web.sh build
	$(UV) run python web/scripts/api_types.py --check

.PHONY: contracts
contracts: ## regenerate JSON Schemas and AsyncAPI documents from the contract models
	$(UV) run python -m vanthu_contracts.generate

.PHONY: contracts-check
contracts-check: ## fail when the committed schemas differ from the contract models
	$(UV) run python -m vanthu_contracts.generate --check

.PHONY: lint
lint: ## ruff and mypy
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run mypy runtime/src contracts/src

.PHONY: bench
bench: ## benchmarks, printed beside the raw clients on the same servers
	@for b in bench/*.py; do echo "== $$b"; $(UV) run python $$b || exit 1; done

.PHONY: clean
clean: stop ## stop everything and delete local data (.local/)
	rm -rf .local
