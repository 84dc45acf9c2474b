# The two commands of the README, and a few conveniences for development.
.PHONY: start test lab lab-all dev build lint format typecheck check-db clean

start: ## install, migrate, build if needed, serve on http://127.0.0.1:3000
	bash scripts/start.sh

test: ## the whole test suite (what CI runs)
	bash scripts/test.sh

lab: ## the boot lab: QEMU boots a diskless host from the published files, root from a real AFS cell (root)
	bash scripts/ensure-deps.sh --test && bash scripts/build-if-needed.sh && bash scripts/lab/lab.sh

lab-all: ## the boot lab with each DHCP server: dnsmasq, Kea, ISC dhcpd
	bash scripts/ensure-deps.sh --test && bash scripts/build-if-needed.sh && AFSBOOT_LAB_DHCP="dnsmasq kea dhcpd" bash scripts/lab/lab.sh

dev: ## development server with hot reload
	bash scripts/ensure-deps.sh && node scripts/migrate.mjs deploy && npx next dev -H 127.0.0.1

build:
	bash scripts/ensure-deps.sh && npx next build

lint:
	npx eslint --max-warnings=0 .

format: ## rewrite the sources in the house format (Prettier; make test checks it)
	npx prettier --write --log-level=warn .

typecheck:
	npx tsc --noEmit

check-db:
	node scripts/migrate.mjs check

clean: ## remove build output and installed packages (keeps ./data)
	rm -rf .next node_modules lib/generated test-results playwright-report e2e/.tmp
