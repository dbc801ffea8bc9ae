#!/usr/bin/env bash
# test.sh runs every test of the broker: the root package's unit, golden and
# in-process tests, then the real-client tests in interop/. It first installs
# what it is missing (kcat from Debian's packages, Go modules), so it works on
# a fresh machine. With CI=true a missing client is an error, never a skip.
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
if [ ${#pkgs[@]} -gt 0 ]; then
	apt_install "${pkgs[@]}"
fi
command -v kcat >/dev/null || { echo "kcat is missing and could not be installed" >&2; exit 1; }

say "root module: vet and race tests"
go vet ./...
go test -race -count=1 ./...

say "interop module: real clients"
(cd interop && go vet ./... && go test -count=1 -timeout 15m ./...)
