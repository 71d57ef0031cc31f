#!/usr/bin/env bash
# Runs every HMS test. Installs what the tests need when it is missing:
# the PostgreSQL server binaries (the Go tests start a throwaway cluster with them).
set -euo pipefail
cd "$(dirname "$0")/.."

# make test leaves the working tree as it found it: what it writes goes to ignored
# directories. The check at the end compares git's view before and after.
tree_state() { git status --porcelain=v1 --untracked-files=all 2>/dev/null | sort; git diff 2>/dev/null | sha256sum; }
tree_before=$(tree_state)

log() { printf '\n==> %s\n' "$*"; }

apt_install() {
	local sudo=""
	[[ $(id -u) -eq 0 ]] || sudo="sudo"
	if [[ -z ${HMS_APT_UPDATED:-} ]]; then
		$sudo apt-get update -qq
		export HMS_APT_UPDATED=1
	fi
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

have_postgres() {
	command -v pg_ctl >/dev/null 2>&1 || compgen -G '/usr/lib/postgresql/*/bin/pg_ctl' >/dev/null
}

if ! have_postgres; then
	log "installing the PostgreSQL server (postgresql) for the database tests"
	apt_install postgresql
fi

# pg_auto_failover is the failover manager of the high-availability test (test/ha): its
# monitor and keepers (pg_autoctl) and the monitor's extension, for the PostgreSQL above.
if ! command -v pg_autoctl >/dev/null 2>&1; then
	pg_major=$(basename "$(dirname "$(dirname "$(readlink -f "$(command -v pg_ctl || ls /usr/lib/postgresql/*/bin/pg_ctl | sort -V | tail -1)")")")")
	log "installing pg_auto_failover (pg-auto-failover-cli, postgresql-$pg_major-auto-failover) for the HA test"
	apt_install pg-auto-failover-cli "postgresql-$pg_major-auto-failover"
fi

# mailpit is the real SMTP server of the notification tests. The test harness installs it on
# first use too (internal/testutil/mailpit.go, which names the version); installing it here
# keeps that build out of the tests' time limit.
gobin=$(go env GOBIN)
[[ -n $gobin ]] || gobin="$(go env GOPATH | cut -d: -f1)/bin"
if ! command -v mailpit >/dev/null 2>&1 && [[ ! -x $gobin/mailpit ]]; then
	mailpit_module=$(sed -n 's/^const mailpitModule = "\(.*\)"$/\1/p' internal/testutil/mailpit.go)
	log "installing $mailpit_module for the notification tests"
	GOBIN=$gobin GOFLAGS=-buildvcs=false go install "$mailpit_module"
fi

log "go vet"
go vet ./...

# The packages that run goroutines of their own (the audit batcher and sealer, the request
# path, token checks) run under the race detector, which needs cgo and a C compiler.
race_pkgs=(./internal/store ./internal/httpapi ./internal/auth)
if ! command -v gcc >/dev/null 2>&1; then
	log "installing gcc for the race detector"
	apt_install gcc libc6-dev
fi
mapfile -t other_pkgs < <(go list ./... | grep -v -x -F \
	-e github.com/hms-project/hms/internal/store \
	-e github.com/hms-project/hms/internal/httpapi \
	-e github.com/hms-project/hms/internal/auth)

log "Go tests on SQLite and PostgreSQL, with the race detector in ${race_pkgs[*]}"
HMS_TEST_POSTGRES=required CGO_ENABLED=1 go test -race -count=1 "${race_pkgs[@]}"
HMS_TEST_POSTGRES=required HMS_TEST_HA=required go test -count=1 "${other_pkgs[@]}"

log "deployment files (Dockerfile, compose.yaml, Kubernetes manifests, CI workflows)"
(cd deploy && go vet ./... && go test -count=1 ./...)

# ---------------------------------------------------------------------------------------
# FHIR conformance (test/fhir): every resource and search HMS emits is validated against
# the FHIR R4 structure definitions, and a FHIR client reads, searches and pages through a
# real hms server started on a throwaway SQLite database. Needs Node.js 20+ and npm.
# ---------------------------------------------------------------------------------------
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	log "installing Node.js and npm for the FHIR conformance tests"
	apt_install nodejs npm
fi
log "FHIR conformance tests (node --test in test/fhir)"
(
	cd test/fhir
	npm ci --no-audit --no-fund --loglevel=error
	node --test
)

log "web UI: unit tests, build, and end-to-end in Chromium"
bash web/scripts/test.sh

# A short, bounded run of every fuzz target in the tree (request decoding, validation,
# tokens, the password policy, the JSON of records, SQLite timestamps), starting from the
# corpus committed under testdata/fuzz.
FUZZTIME=${HMS_FUZZTIME:-10s}
fuzz_out=$(mktemp)
trap 'rm -f "$fuzz_out"' EXIT
fuzz_once() {
	HMS_TEST_POSTGRES=off go test -run '^$' -fuzz "^${2}\$" -fuzztime "$FUZZTIME" "$1" 2>&1 | tee "$fuzz_out"
	return "${PIPESTATUS[0]}"
}
fuzz_pkgs=$(grep -rl --include='*_test.go' '^func Fuzz' internal cmd | xargs -n1 dirname | sort -u | sed 's|^|./|')
for pkg in $fuzz_pkgs; do
	for target in $(go test -list '^Fuzz' "$pkg" | grep '^Fuzz'); do
		log "fuzz $target ($FUZZTIME)"
		fuzz_once "$pkg" "$target" || {
			# Go's fuzzing engine can stop at its own deadline with "context deadline exceeded"
			# while it handles a new input; that is no failing input (which it would write under
			# testdata/fuzz), so such a run is tried once more.
			grep -q 'context deadline exceeded' "$fuzz_out" && ! grep -q 'Failing input written' "$fuzz_out" || exit 1
			log "fuzz $target again: the engine hit its deadline, not a failing input"
			fuzz_once "$pkg" "$target" || exit 1
		}
	done
done

if [[ $(tree_state) != "$tree_before" ]]; then
	log "make test changed the working tree:"
	diff <(echo "$tree_before") <(tree_state) || true
	exit 1
fi
log "all tests passed"
