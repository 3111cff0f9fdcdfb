#!/usr/bin/env bash
# demo.sh - the lifecycle demo behind `make demo`: start (or reuse) the
# server, then run each phase of the spec's execution flow that exists so far.
# It resets this project's tables first, so it can be run again and again.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

# bold headings on a terminal only, and never with NO_COLOR
if [[ -t 2 && -z ${NO_COLOR:-} ]]; then bold=$'\033[1m' plain=$'\033[0m'; else bold='' plain=''; fi
phase() { printf '\n%s== %s%s\n' "$bold" "$*" "$plain" >&2; }

phase "Phase 0: a PostgreSQL server (embedded in ./data/embedded, or the one already answering)"
bash tools/embedded-db.sh up

phase "Phases 1-3: plain tables, seed data, migration to partitioned tables"
bin/setup-database --reset "$@"

phase "Done"
cat >&2 <<'MSG'
The four tables are partitioned; the plain originals remain as <table>_old.
Look around with:  psql "postgresql://postgres@localhost:5438/partitiondb"
                   (password from .env, default "postgres")
Next phases (load-data, demonstrate-queries, repartition) arrive with their issues.
Stop the embedded server with: make db-down
MSG
