#!/usr/bin/env bash
# Runs every web UI test: type check, unit and component tests (Vitest), then the
# end-to-end run against a freshly built hms with the UI embedded, in Debian's
# Chromium (installed here when missing; no test tool downloads a browser).
#
#   bash web/scripts/test.sh            # from the repository root
#   HMS_BIN=/path/to/hms bash web/scripts/test.sh   # use that binary instead
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n==> %s\n' "$*"; }

if [[ ! -x /usr/bin/chromium && -z ${CHROMIUM_PATH:-} ]]; then
	log "installing Chromium for the end-to-end tests"
	sudo=""
	[[ $(id -u) -eq 0 ]] || sudo="sudo"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
fi

log "installing the web UI's packages (npm ci)"
npm ci --no-audit --no-fund

log "web UI: type check and unit tests"
npm test

log "web UI: production build into internal/web/dist"
npm run build

if [[ -z ${HMS_BIN:-} ]]; then
	log "building hms with the UI embedded"
	(cd .. && CGO_ENABLED=0 go build -o bin/hms ./cmd/hms)
	export HMS_BIN="$PWD/../bin/hms"
fi

if [[ -z ${HMS_TESTIDP_BIN:-} ]]; then
	log "building the test OpenID Connect provider for e2e/sso.test.mjs"
	(cd .. && CGO_ENABLED=0 go build -o bin/testidp ./internal/testutil/testidp/cmd/testidp)
	export HMS_TESTIDP_BIN="$PWD/../bin/testidp"
fi

log "web UI: end-to-end in Chromium against $HMS_BIN"
npm run e2e
