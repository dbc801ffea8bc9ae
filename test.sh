#!/usr/bin/env bash
# test.sh runs every test of the broker: the root package's unit, golden and
# in-process tests, then the real-client tests in interop/. It first installs
# what it is missing (kcat from Debian's packages, Go modules), so it works on
# a fresh machine: kcat, the Python clients, gcc (for confluent-kafka-go's
# cgo), Burrow and ZooKeeper, and headless Chromium (for the web page's
# browser test) from Debian's packages, KafkaJS from npm, Go modules from
# the proxy. The browser test's screenshots are kept under
# interop/test-output/_artifacts.
# With CI=true a missing client is an error, never a skip.
set -euo pipefail
cd "$(dirname "$0")"

say() { printf '\n== %s\n' "$*"; }

# apt_install installs Debian packages, as root or through sudo.
apt_install() {
	local sudo=""
	[ "$(id -u)" -ne 0 ] && sudo="sudo"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

say "installing missing clients"
pkgs=()
command -v kcat >/dev/null || pkgs+=(kcat)
# libzstd's zstd command: the reference encoder the zstd interop tests
# check the broker's decoder against.
command -v zstd >/dev/null || pkgs+=(zstd)
command -v node >/dev/null || pkgs+=(nodejs npm)
command -v chromium >/dev/null || pkgs+=(chromium chromium-driver)
# Debian's Python clients live in Debian's own interpreter, /usr/bin/python3,
# which need not be the python3 first on PATH.
[ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import confluent_kafka' 2>/dev/null || pkgs+=(python3-confluent-kafka)
[ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import kafka' 2>/dev/null || pkgs+=(python3-kafka)
# Burrow (LinkedIn's consumer-lag monitor) reads __consumer_offsets in
# Kafka's format; Burrow 1.x will not start without a ZooKeeper, which the
# zookeeper package's server jar provides (with Java, which it depends on).
command -v Burrow >/dev/null || pkgs+=(burrow)
[ -f /usr/share/java/zookeeper.jar ] || pkgs+=(zookeeper)
# confluent-kafka-go links the current librdkafka, which it bundles as a
# static library, through cgo: it needs a C compiler and libc's headers.
command -v gcc >/dev/null || pkgs+=(gcc libc6-dev)
if [ ${#pkgs[@]} -gt 0 ]; then
	apt_install "${pkgs[@]}"
fi
command -v kcat >/dev/null || { echo "kcat is missing and could not be installed" >&2; exit 1; }
command -v zstd >/dev/null || { echo "zstd is missing and could not be installed" >&2; exit 1; }
command -v gcc >/dev/null || { echo "gcc is missing and could not be installed" >&2; exit 1; }
command -v Burrow >/dev/null || { echo "Burrow is missing and could not be installed" >&2; exit 1; }
[ -f /usr/share/java/zookeeper.jar ] || { echo "ZooKeeper is missing and could not be installed" >&2; exit 1; }
command -v chromium >/dev/null || { echo "chromium is missing and could not be installed" >&2; exit 1; }
(cd interop && npm ci --no-audit --no-fund --loglevel=error)

say "root module: vet and race tests"
go vet ./...
# The broker builds where there is no flock or RLIMIT_NOFILE too
# (dirlock_other.go, fdlimit_other.go, diskspace_other.go).
GOOS=windows go build ./... && GOOS=darwin go build ./...
go test -race -count=1 ./...

say "interop module: real clients"
mkdir -p interop/test-output
# CGO_ENABLED=1 even where the environment turned cgo off: without it the
# confluent-kafka-go tests are not built (and, with CI=true, fail).
(cd interop && export CGO_ENABLED=1 && go vet ./... && go test -count=1 -timeout 15m -artifacts -outputdir "$PWD/test-output" ./...)
