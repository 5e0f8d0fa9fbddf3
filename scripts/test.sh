#!/usr/bin/env bash
# scripts/test.sh: every check obsgen has, as CI runs it. Idempotent: it
# builds the pinned real tools once per version into a cache outside the repo
# (scripts/tools.sh), then runs formatting, vet, staticcheck and all tests.
#
#   scripts/test.sh            everything
#   scripts/test.sh -run X     extra arguments go to `go test`
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="/usr/local/go/bin:$PATH"

STATICCHECK_VERSION=v0.7.0
CACHE=${OBSGEN_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/obsgen-tools}

scripts/tools.sh

# The existing-service fixtures that use go-sqlite3 build with cgo; the
# generated CI workflow's run: scripts are checked with shellcheck.
apt_pkgs=()
command -v gcc >/dev/null 2>&1 || apt_pkgs+=(gcc libc6-dev)
command -v shellcheck >/dev/null 2>&1 || apt_pkgs+=(shellcheck)
# The probe alerts are checked against a real blackbox exporter (its Go
# module is not served by the module proxy; Debian ships 0.23).
command -v prometheus-blackbox-exporter >/dev/null 2>&1 || apt_pkgs+=(prometheus-blackbox-exporter)
# The generated database and Redis clients are tested against a real
# PostgreSQL and Redis (internal/testtool starts them on loopback).
compgen -G '/usr/lib/postgresql/*/bin/pg_isready' >/dev/null || apt_pkgs+=(postgresql)
command -v redis-server >/dev/null 2>&1 || apt_pkgs+=(redis-server)
if [[ ${#apt_pkgs[@]} -gt 0 ]]; then
	apt-get update -qq && apt-get install -y -qq --no-install-recommends "${apt_pkgs[@]}"
fi
export OBSGEN_TOOLS_BIN="$CACHE/bin"
export PATH="$OBSGEN_TOOLS_BIN:$PATH"

sc="$CACHE/staticcheck-$STATICCHECK_VERSION/staticcheck"
if [[ ! -x $sc ]]; then
	GOBIN="$(dirname "$sc")" go install "honnef.co/go/tools/cmd/staticcheck@$STATICCHECK_VERSION"
fi

# Every Go module in the repo: the product and its checker modules.
mapfile -t modules < <(git ls-files -co --exclude-standard -- '*go.mod' ':!:*/testdata/*' | xargs -n1 dirname | sort -u)

status=0
for m in "${modules[@]}"; do
	echo "== $m"
	unformatted=$(cd "$m" && gofmt -l $(git ls-files -co --exclude-standard -- '*.go' ':!:*/testdata/*' | sed "s|^|./|") 2>/dev/null || true)
	if [[ -n $unformatted ]]; then
		echo "gofmt would change:"; echo "$unformatted"; status=1
	fi
	# Downloads first, quietly: vet's output is then only its findings.
	(cd "$m" && go mod download && go vet ./... && "$sc" ./...) || status=1
	(cd "$m" && go test -count=1 -timeout 45m "$@" ./...) || status=1
done
exit $status
