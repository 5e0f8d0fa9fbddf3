#!/usr/bin/env bash
# scripts/tools.sh — build the pinned external tools obsgen's tests validate
# against (promtool, prometheus, amtool, alertmanager, loki, otelcol, jaeger,
# helm, kubectl-validate, etcd, kube-apiserver, prometheus-operator)
# into a cache folder outside the repo, once per tool version.
#
#   scripts/tools.sh                    build whatever is missing (all but prometheus-operator)
#   scripts/tools.sh promtool amtool    only these tools
#   scripts/tools.sh --print-bin        print the bin dir and exit (no build)
#   export PATH="$(scripts/tools.sh --print-bin):$PATH"
#
# Layout:  $CACHE/<tool>-<version>/<tool>   the binary (moved in only on success)
#          $CACHE/bin/<tool>                symlink to the pinned version
#          $CACHE/logs/<group>-<version>.log output of the last build
# CACHE = ${OBSGEN_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/obsgen-tools}
#
# Environment:
#   OBSGEN_TOOLS_CACHE         cache folder (see above)
#   OBSGEN_TOOLS_MIN_FREE_GB   free space required before a cold build (default 15)
#   OBSGEN_TOOLS_VERBOSE=1     stream build output to stderr (else only to the log)
#
# Everything is built from source with the Go toolchain on PATH (or
# /usr/local/go/bin), using the default shared GOMODCACHE and GOCACHE; nothing
# is installed with apt. A cold build of everything took 13 minutes on 2 cores
# with empty Go caches; a warm run takes well under a second. Versions are
# pinned to versions the module proxy serves and that build (each tool's notes below).
#
# The cache key is tool + version (otelcol: + a hash of otelcol-builder.yaml).
# When you change how a tool is built without changing its version, delete
# $CACHE/<tool>-<version>/ so the next run rebuilds it.
set -euo pipefail

# --- pinned versions --------------------------------------------------------
PROMETHEUS_VERSION=v0.315.0   # Go module version of Prometheus 3.15.0 (v0.316.0: deps refused)
ALERTMANAGER_VERSION=v0.34.2
LOKI_VERSION=v3.7.8
# Loki's go.mod replaces pkg/push with ./pkg/push, which is not in the module
# zip; point it at the published module of the version Loki requires.
LOKI_PUSH_VERSION=v0.0.0-20250630054201-94c0ba7b0952
OTELCOL_VERSION=v0.156.0      # collector builder + components (manifest pins them)
JAEGER_VERSION=v1.76.0        # module version; the ./cmd/jaeger binary is Jaeger v2.13.0
JAEGER_V2_VERSION=v2.13.0
HELM_VERSION=v3.22.0
KUBECTL_VALIDATE_VERSION=v0.0.4
# A real API server (no kubelet) and the operator's admission webhook, for
# checks/k8s's install test. Cold build times on 2 shared cores: see
# docs/development.md.
ETCD_VERSION=v3.7.3
KUBERNETES_VERSION=v1.37.2    # kube-apiserver; staging modules are v0.37.2
PROMETHEUS_OPERATOR_VERSION=v0.93.1
# Highest `go` line among the go.mod files above (Loki v3.7.8: go 1.26.5).
MIN_GO=1.26.5

ALL_TOOLS=(promtool prometheus amtool alertmanager loki otelcol jaeger helm kubectl-validate etcd kube-apiserver prometheus-operator)
# prometheus-operator builds only when asked for: no test runs the binary yet
# (checks/k8s serves the operator's admission package in-process) and its
# cold build takes about 35 minutes on two busy cores.
DEFAULT_TOOLS=(promtool prometheus amtool alertmanager loki otelcol jaeger helm kubectl-validate etcd kube-apiserver)
GROUPS_ORDER=(prometheus alertmanager loki otelcol jaeger helm kubectl-validate etcd kube-apiserver prometheus-operator)

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
MANIFEST=$SCRIPT_DIR/otelcol-builder.yaml
CACHE=${OBSGEN_TOOLS_CACHE:-${XDG_CACHE_HOME:-${HOME:?HOME is not set}/.cache}/obsgen-tools}
MIN_FREE_GB=${OBSGEN_TOOLS_MIN_FREE_GB:-15}
VERBOSE=${OBSGEN_TOOLS_VERBOSE:-0}
[[ $CACHE == /* ]] || CACHE=$PWD/$CACHE

log() { printf 'tools.sh: %s\n' "$*" >&2; }
die() { printf 'tools.sh: error: %s\n' "$*" >&2; exit 1; }

usage() {
	sed -n '2,10s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
	printf 'tools: %s\n' "${ALL_TOOLS[*]}"
}

# --- arguments --------------------------------------------------------------
REQUESTED=()
for arg in "$@"; do
	case $arg in
	--print-bin)
		[[ $# -eq 1 ]] || die "--print-bin takes no other arguments"
		printf '%s\n' "$CACHE/bin"
		exit 0
		;;
	-h | --help) usage; exit 0 ;;
	-*) die "unknown option: $arg (see --help)" ;;
	*)
		found=0
		for t in "${ALL_TOOLS[@]}"; do [[ $t == "$arg" ]] && found=1; done
		[[ $found == 1 ]] || die "unknown tool: $arg (tools: ${ALL_TOOLS[*]})"
		dup=0
		for t in "${REQUESTED[@]+"${REQUESTED[@]}"}"; do [[ $t == "$arg" ]] && dup=1; done
		[[ $dup == 1 ]] || REQUESTED+=("$arg")
		;;
	esac
done
[[ ${#REQUESTED[@]} -gt 0 ]] || REQUESTED=("${DEFAULT_TOOLS[@]}")

# --- tool metadata ----------------------------------------------------------
manifest_hash() {
	[[ -f $MANIFEST ]] || die "missing collector builder manifest: $MANIFEST"
	sha256sum "$MANIFEST" | cut -c1-12
}

tool_version() {
	case $1 in
	promtool | prometheus) echo "$PROMETHEUS_VERSION" ;;
	amtool | alertmanager) echo "$ALERTMANAGER_VERSION" ;;
	loki) echo "$LOKI_VERSION" ;;
	# the manifest decides which components are compiled in: key on its content
	otelcol) echo "$OTELCOL_VERSION-$(manifest_hash)" ;;
	jaeger) echo "$JAEGER_VERSION" ;;
	helm) echo "$HELM_VERSION" ;;
	kubectl-validate) echo "$KUBECTL_VALIDATE_VERSION" ;;
	etcd) echo "$ETCD_VERSION" ;;
	kube-apiserver) echo "$KUBERNETES_VERSION" ;;
	prometheus-operator) echo "$PROMETHEUS_OPERATOR_VERSION" ;;
	esac
}

tool_group() {
	case $1 in
	promtool | prometheus) echo prometheus ;;
	amtool | alertmanager) echo alertmanager ;;
	*) echo "$1" ;;
	esac
}

tool_bin() { echo "$CACHE/$1-$(tool_version "$1")/$1"; }
is_built() { local b; b=$(tool_bin "$1"); [[ -x $b && -s $b ]]; }

# --- Go ---------------------------------------------------------------------
find_go() {
	GO=$(command -v go || true)
	if [[ -z $GO && -x /usr/local/go/bin/go ]]; then GO=/usr/local/go/bin/go; fi
	[[ -n $GO ]] || die "go not found on PATH or in /usr/local/go/bin"
	GO_DIR=$(dirname "$GO")
	local have
	have=$("$GO" env GOVERSION)
	have=${have#go}
	if [[ $(printf '%s\n%s\n' "$MIN_GO" "$have" | sort -V | head -n1) != "$MIN_GO" ]]; then
		log "warning: $GO is go$have; some tools need go >= $MIN_GO (with GOTOOLCHAIN=local the build fails, otherwise go tries to download that toolchain)"
	fi
}

# gocmd EXTRA_GOFLAGS ARGS... — run go with a controlled environment. GOFLAGS
# from the caller's environment is replaced, not extended, so a developer's
# -mod=vendor or similar cannot leak into the tool builds.
gocmd() {
	local extra=$1
	shift
	env GOWORK=off CGO_ENABLED=0 GOTMPDIR="$WORK/gotmp" \
		GOFLAGS="-buildvcs=false${extra:+ $extra}" "$GO" "$@"
}

# copy_module MODULE@VERSION DEST — writable copy of a module from GOMODCACHE.
copy_module() {
	local json dir
	json=$(cd "$WORK" && gocmd "" mod download -json "$1") || {
		printf '%s\n' "$json" >&2
		return 1
	}
	dir=$(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
	[[ -n $dir && -d $dir ]] || { printf 'no module dir for %s\n%s\n' "$1" "$json" >&2; return 1; }
	cp -R "$dir" "$2"
	chmod -R u+w "$2"
}

# Version strings for github.com/prometheus/common/version (as promu sets them).
prom_ldflags() { # VERSION REVISION
	local p=github.com/prometheus/common/version
	echo "-s -w -X $p.Version=$1 -X $p.Revision=$2 -X $p.BuildUser=obsgen-tools -X $p.BuildDate=$BUILD_DATE"
}

# --- builders (run in a subshell with set -e; binaries go to $WORK/out/) ------
build_prometheus() {
	copy_module "github.com/prometheus/prometheus@$PROMETHEUS_VERSION" "$WORK/src"
	cd "$WORK/src"
	local pkgs=() t
	for t in "$@"; do pkgs+=("./cmd/$t"); done
	# go.mod has replace directives, so `go install ...@version` refuses it.
	gocmd "" build -trimpath -ldflags="$(prom_ldflags "$(cat VERSION)" "$PROMETHEUS_VERSION")" \
		-o "$WORK/out/" "${pkgs[@]}"
}

build_alertmanager() {
	copy_module "github.com/prometheus/alertmanager@$ALERTMANAGER_VERSION" "$WORK/src"
	cd "$WORK/src"
	# ui/web.go embeds app/dist (the Elm UI, not in the module zip) and serves
	# only its compressed files: the API works without it, / shows this placeholder.
	mkdir -p ui/app/dist
	printf '<!DOCTYPE html><title>Alertmanager</title><p>Web UI not built (obsgen tools build); the API is served under /api/v2/.</p>\n' \
		>ui/app/dist/index.html
	gzip -9nk ui/app/dist/index.html
	local pkgs=() t
	for t in "$@"; do pkgs+=("./cmd/$t"); done
	gocmd "" build -trimpath -ldflags="$(prom_ldflags "$(cat VERSION)" "$ALERTMANAGER_VERSION")" \
		-o "$WORK/out/" "${pkgs[@]}"
}

build_loki() {
	copy_module "github.com/grafana/loki/v3@$LOKI_VERSION" "$WORK/src"
	cd "$WORK/src"
	gocmd "" mod edit \
		-replace="github.com/grafana/loki/pkg/push=github.com/grafana/loki/pkg/push@$LOKI_PUSH_VERSION"
	local p=github.com/grafana/loki/v3/pkg/util/build
	gocmd "-mod=mod" build -trimpath \
		-ldflags="-s -w -X $p.Version=${LOKI_VERSION#v} -X $p.Revision=$LOKI_VERSION -X $p.BuildUser=obsgen-tools -X $p.BuildDate=$BUILD_DATE_ISO" \
		-o "$WORK/out/" ./cmd/loki
}

build_jaeger() {
	copy_module "github.com/jaegertracing/jaeger@$JAEGER_VERSION" "$WORK/src"
	cd "$WORK/src"
	local p=github.com/jaegertracing/jaeger/internal/version
	gocmd "-mod=mod" build -trimpath \
		-ldflags="-s -w -X $p.latestVersion=$JAEGER_V2_VERSION -X $p.commitSHA=$JAEGER_VERSION -X $p.date=$BUILD_DATE_ISO" \
		-o "$WORK/out/" ./cmd/jaeger
}

# Plain `go install` works for these: their go.mod files have no replace
# directives the module proxy would refuse.
build_helm() {
	GOBIN="$WORK/out" gocmd "" install -trimpath \
		-ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION" \
		"helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
}

build_kubectl-validate() {
	GOBIN="$WORK/out" gocmd "" install -trimpath -ldflags="-s -w" \
		"sigs.k8s.io/kubectl-validate@$KUBECTL_VALIDATE_VERSION"
}

# etcd's server module replaces its sibling modules with ../api etc., which
# are not in the module zip: point them at the published modules.
build_etcd() {
	copy_module "go.etcd.io/etcd/server/v3@$ETCD_VERSION" "$WORK/src"
	cd "$WORK/src"
	local m
	for m in api/v3 client/pkg/v3 client/v3 pkg/v3; do
		gocmd "" mod edit -replace="go.etcd.io/etcd/$m=go.etcd.io/etcd/$m@$ETCD_VERSION"
	done
	gocmd "-mod=mod" build -trimpath -ldflags="-s -w" -o "$WORK/out/etcd" .
}

# k8s.io/kubernetes replaces every k8s.io/X with ./staging/src/k8s.io/X (not
# in the module zip): use the published v0.N.M modules instead. Without the
# version ldflags /version says v0.0.0-master and Helm refuses charts that
# have a kubeVersion constraint.
build_kube-apiserver() {
	copy_module "k8s.io/kubernetes@$KUBERNETES_VERSION" "$WORK/src"
	cd "$WORK/src"
	local staging=v0.${KUBERNETES_VERSION#v1.} m
	for m in $(sed -n 's#^[[:space:]]*\(k8s.io/[^ ]*\) => ./staging/src/.*#\1#p' go.mod); do
		gocmd "" mod edit -replace="$m=$m@$staging"
	done
	local p=k8s.io/component-base/version minor=${KUBERNETES_VERSION#v1.}
	gocmd "-mod=mod" build -trimpath \
		-ldflags="-s -w -X $p.gitVersion=$KUBERNETES_VERSION -X $p.gitMajor=1 -X $p.gitMinor=${minor%%.*}" \
		-o "$WORK/out/kube-apiserver" ./cmd/kube-apiserver
}

# The operator's go.mod replaces ./pkg/apis/monitoring and ./pkg/client
# (not in the module zip): point them at the published modules.
build_prometheus-operator() {
	local mod=github.com/prometheus-operator/prometheus-operator
	copy_module "$mod@$PROMETHEUS_OPERATOR_VERSION" "$WORK/src"
	cd "$WORK/src"
	gocmd "" mod edit \
		-replace="$mod/pkg/apis/monitoring=$mod/pkg/apis/monitoring@$PROMETHEUS_OPERATOR_VERSION" \
		-replace="$mod/pkg/client=$mod/pkg/client@$PROMETHEUS_OPERATOR_VERSION"
	gocmd "-mod=mod" build -trimpath -ldflags="-s -w" \
		-o "$WORK/out/prometheus-operator" ./cmd/operator
}

build_otelcol() {
	# The builder itself is cached like a tool (not linked into bin/).
	local bdir="$CACHE/otelcol-builder-$OTELCOL_VERSION" builder
	builder=$bdir/builder
	if [[ ! -x $builder ]]; then
		echo "== building go.opentelemetry.io/collector/cmd/builder@$OTELCOL_VERSION"
		GOBIN="$WORK/builder-bin" gocmd "" install -trimpath -ldflags="-s -w" \
			"go.opentelemetry.io/collector/cmd/builder@$OTELCOL_VERSION"
		mkdir -p "$bdir"
		mv -f "$WORK/builder-bin/builder" "$builder"
	fi
	echo "== generating and compiling the collector from $MANIFEST"
	# The builder runs `go mod tidy` and `go build -trimpath -ldflags=-s -w`
	# with CGO_ENABLED=0 in the output path; TMPDIR keeps its scratch dir in $WORK.
	env GOWORK=off GOTMPDIR="$WORK/gotmp" TMPDIR="$WORK/tmp" GOFLAGS=-buildvcs=false \
		PATH="$GO_DIR:$PATH" \
		"$builder" --config="$MANIFEST" --output-path="$WORK/src"
	mkdir -p "$WORK/out"
	mv -f "$WORK/src/otelcol" "$WORK/out/otelcol"
}

# --- disk space -------------------------------------------------------------
existing_parent() {
	local p=$1
	while [[ ! -e $p ]]; do p=$(dirname "$p"); done
	echo "$p"
}

check_disk() {
	local gomodcache gocache path mount avail_kb seen=" "
	gomodcache=$("$GO" env GOMODCACHE)
	gocache=$("$GO" env GOCACHE)
	for path in "$gomodcache" "$gocache" "$CACHE"; do
		read -r mount avail_kb < <(df -Pk "$(existing_parent "$path")" | awk 'NR==2 {print $6, $4}')
		[[ $seen == *" $mount "* ]] && continue
		seen+="$mount "
		if ((avail_kb < MIN_FREE_GB * 1024 * 1024)); then
			die "only $((avail_kb / 1024 / 1024)) GB free on $mount (holds $path); a cold tools build needs at least ${MIN_FREE_GB} GB free for GOMODCACHE ($gomodcache), GOCACHE ($gocache) and $CACHE. Free some space (go clean -cache frees the build cache) or set OBSGEN_TOOLS_MIN_FREE_GB."
		fi
	done
}

# --- main -------------------------------------------------------------------
mkdir -p "$CACHE/bin" "$CACHE/logs" "$CACHE/.work"

# One run at a time per cache (CI steps or two terminals).
if command -v flock >/dev/null; then
	exec 9>"$CACHE/.lock"
	if ! flock -n 9; then
		log "waiting for another tools.sh run on $CACHE to finish"
		flock 9
	fi
fi

WORK=
cleanup() { [[ -z $WORK ]] || rm -rf "$WORK"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Leftovers of an interrupted run (we hold the lock, so nobody else uses them).
rm -rf "$CACHE/.work" && mkdir -p "$CACHE/.work"

missing=()
for t in "${REQUESTED[@]}"; do is_built "$t" || missing+=("$t"); done
if [[ ${#missing[@]} -gt 0 ]]; then
	find_go
	check_disk
	log "building ${missing[*]} with $("$GO" env GOVERSION) (logs in $CACHE/logs)"
fi
BUILD_DATE=$(date -u +%Y%m%d-%H:%M:%S)   # promu's format (Prometheus, Alertmanager)
BUILD_DATE_ISO=$(date -u +%Y-%m-%dT%H:%M:%SZ)

failed=()
for group in "${GROUPS_ORDER[@]}"; do
	want=() todo=()
	for t in "${REQUESTED[@]}"; do
		[[ $(tool_group "$t") == "$group" ]] || continue
		want+=("$t")
		is_built "$t" || todo+=("$t")
	done
	[[ ${#want[@]} -gt 0 ]] || continue

	if [[ ${#todo[@]} -eq 0 ]]; then
		for t in "${want[@]}"; do printf '%-13s %-22s cached  0s\n' "$t" "$(tool_version "$t")"; done
		continue
	fi

	version=$(tool_version "${todo[0]}")
	logfile=$CACHE/logs/$group-$version.log
	WORK=$(mktemp -d "$CACHE/.work/$group.XXXXXX")
	mkdir -p "$WORK/out" "$WORK/gotmp" "$WORK/tmp"
	log "building ${todo[*]} $version (log: $logfile)"
	start=$(date +%s)
	set +e
	if [[ $VERBOSE == 1 ]]; then
		(set -e; "build_$group" "${todo[@]}") 2>&1 | tee "$logfile" >&2
		rc=${PIPESTATUS[0]}
	else
		(set -e; "build_$group" "${todo[@]}") >"$logfile" 2>&1
		rc=$?
	fi
	set -e
	secs=$(($(date +%s) - start))
	if [[ $rc -eq 0 ]]; then
		for t in "${todo[@]}"; do
			[[ -x $WORK/out/$t ]] || { echo "build succeeded but $WORK/out/$t is missing" >>"$logfile"; rc=1; }
		done
	fi
	for t in "${want[@]}"; do
		if [[ " ${todo[*]} " != *" $t "* ]]; then
			printf '%-13s %-22s cached  0s\n' "$t" "$(tool_version "$t")"
		elif [[ $rc -eq 0 ]]; then
			dest=$(tool_bin "$t")
			mkdir -p "$(dirname "$dest")"
			mv -f "$WORK/out/$t" "$dest" # same filesystem: an atomic rename
			extra=
			[[ ${#todo[@]} -gt 1 ]] && extra="  (one build: ${todo[*]})"
			printf '%-13s %-22s built   %ss%s\n' "$t" "$(tool_version "$t")" "$secs" "$extra"
		else
			printf '%-13s %-22s FAILED  %ss  (log: %s)\n' "$t" "$(tool_version "$t")" "$secs" "$logfile"
			failed+=("$t")
		fi
	done
	if [[ $rc -ne 0 ]]; then
		log "build of ${todo[*]} failed; last lines of $logfile:"
		grep -v '^go: downloading ' "$logfile" | tail -n 40 >&2 || true
	fi
	rm -rf "$WORK"
	WORK=
done

# Point bin/ at the pinned versions of every tool that is built; drop links
# that would point at another version or at nothing.
for t in "${ALL_TOOLS[@]}"; do
	if is_built "$t"; then
		ln -sfn "../$t-$(tool_version "$t")/$t" "$CACHE/bin/$t"
	else
		rm -f "$CACHE/bin/$t"
	fi
done

echo "bin dir: $CACHE/bin"
if [[ ${#failed[@]} -gt 0 ]]; then
	die "failed to build: ${failed[*]}"
fi
