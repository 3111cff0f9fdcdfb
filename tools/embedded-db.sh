#!/usr/bin/env bash
# embedded-db.sh - a private PostgreSQL for the demo, for machines without
# Docker: the backend of `make db-up`, `make db-down` and `make db-status`.
#
#   tools/embedded-db.sh up       start it (create it first if needed)
#   tools/embedded-db.sh down     stop it
#   tools/embedded-db.sh status   exit 0 if it runs, 3 if not
#
# The configuration (host, port, database, user; the password through a
# 0600 file) comes from `bin/show-config`, so .env, the environment and the
# defaults resolve exactly as for the C programs. Override its location
# with SHOW_CONFIG=/path/to/show-config; the server binaries with PG_BINDIR.
#
# The cluster lives in data/embedded/ (pgdata/, server.log, run/ = unix
# socket directory) and listens on the loopback address only. It keeps the
# user and password it was created with; to start over:
#   make db-down && rm -rf data/embedded && make db-up
# If a server already answers at POSTGRES_HOST:POSTGRES_PORT (for example
# the docker-compose one), `up` uses it and starts nothing.

set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P) || exit 1
PGC_PROG=embedded-db
# shellcheck source=tools/pg-cluster-lib.sh
source "$ROOT/tools/pg-cluster-lib.sh" || exit 1

# EMBEDDED_DB_DIR moves it (the tests use a directory of their own)
EMB_DIR=${EMBEDDED_DB_DIR:-$ROOT/data/embedded}
PGDATA_DIR=$EMB_DIR/pgdata
INIT_DIR=$EMB_DIR/pgdata.init
LOGFILE=$EMB_DIR/server.log
SOCK_DIR=$EMB_DIR/run
INFO_FILE=$EMB_DIR/cluster.info
SHOW_CONFIG_DEFAULT=$ROOT/bin/show-config
SHOW_CONFIG=${SHOW_CONFIG:-$SHOW_CONFIG_DEFAULT}

TMP_PWDIR=""
cleanup() {
	if [[ -n $TMP_PWDIR ]]; then
		rm -rf -- "$TMP_PWDIR"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

error() { printf '%s: error: %s\n' "$PGC_PROG" "$*" >&2; }
hint()  { printf '%s: hint: %s\n' "$PGC_PROG" "$*" >&2; }
note()  { printf '%s: %s\n' "$PGC_PROG" "$*" >&2; }

usage() {
	cat <<EOF
Usage: tools/embedded-db.sh up|down|status

Runs a private PostgreSQL for the demo in data/embedded/, configured like the
demo programs (.env, environment, defaults; read through bin/show-config).

  up      start it, creating it on first use; does nothing if a PostgreSQL
          server already answers at POSTGRES_HOST:POSTGRES_PORT
  down    stop it
  status  show whether it runs; exit 0 if it does, 3 if not

Environment: SHOW_CONFIG (default bin/show-config), PG_BINDIR (server binaries),
EMBEDDED_DB_DIR (default data/embedded).
EOF
}

# load_config [optional]: run show-config --shell and set POSTGRES_HOST,
# POSTGRES_PORT, POSTGRES_DB, POSTGRES_USER (shell variables, not exported).
# Exits 2 when show-config is missing or rejects the configuration, unless
# "optional" is given, in which case it returns 1 quietly.
load_config() {
	local optional=${1-} out rc line name value
	if [[ ! -x $SHOW_CONFIG ]]; then
		[[ -n $optional ]] && return 1
		if [[ $SHOW_CONFIG == "$SHOW_CONFIG_DEFAULT" ]]; then
			error "bin/show-config not found: the programs are not built yet"
			hint "run make first"
		else
			error "SHOW_CONFIG=$SHOW_CONFIG is not an executable file"
		fi
		exit 2
	fi
	out=$(cd "$ROOT" && "$SHOW_CONFIG" --shell)
	rc=$?
	if [[ $rc -ne 0 ]]; then
		[[ -n $optional ]] && return 1
		if [[ $rc -eq 2 ]]; then
			hint "fix .env or the environment (see .env.example)"
			exit 2
		fi
		error "$SHOW_CONFIG --shell failed (exit status $rc)"
		exit 1
	fi

	POSTGRES_HOST='' POSTGRES_PORT='' POSTGRES_DB='' POSTGRES_USER=''
	local -A seen=()
	while IFS= read -r line; do
		line=${line#export }
		[[ -z $line || $line == \#* ]] && continue
		if [[ ! $line =~ ^([A-Z_][A-Z0-9_]*)=(.*)$ ]]; then
			error "unexpected line from show-config: $line"
			exit 1
		fi
		name=${BASH_REMATCH[1]} value=${BASH_REMATCH[2]}
		case $name in
		POSTGRES_HOST | POSTGRES_PORT | POSTGRES_DB | POSTGRES_USER) ;;
		*) continue ;; # other settings are not ours
		esac
		# only single-quoted words ('...' and \') are accepted, so eval is safe
		if [[ ! $value =~ ^(\'[^\']*\'|\\\')*$ ]]; then
			error "show-config printed $name in an unexpected quoting"
			exit 1
		fi
		eval "$name=$value"
		seen[$name]=1
	done <<<"$out"

	for name in POSTGRES_HOST POSTGRES_PORT POSTGRES_DB POSTGRES_USER; do
		if [[ -z ${seen[$name]-} ]]; then
			error "show-config --shell did not print $name"
			exit 1
		fi
	done
	if [[ ! $POSTGRES_PORT =~ ^[0-9]+$ ]] || ((POSTGRES_PORT < 1 || POSTGRES_PORT > 65535)); then
		error "invalid POSTGRES_PORT from show-config: $POSTGRES_PORT"
		exit 2
	fi
	return 0
}

# pg_isready from the server bindir, else from PATH
isready() {
	local bin=pg_isready
	[[ -n $PGC_BINDIR && -x $PGC_BINDIR/pg_isready ]] && bin=$PGC_BINDIR/pg_isready
	"$bin" "$@"
}

# print the unix socket directory to use (created, owned by the server user)
choose_socket_dir() {
	local port=$1 dir sum
	if pgc_socket_dir_fits "$SOCK_DIR" "$port" && [[ $SOCK_DIR != *[,\"[:space:]]* ]]; then
		pgc_prepare_dir "$SOCK_DIR" 0700 || return 1
		printf '%s\n' "$SOCK_DIR"
		return 0
	fi
	# The path is too long (or unsuitable) for a socket: a short one in /tmp,
	# named after the data dir so every start reuses the same one.
	sum=$(printf '%s' "$PGDATA_DIR" | cksum)
	dir=/tmp/pgdemo-${sum%% *}
	if [[ -e $dir || -L $dir ]]; then
		if [[ -L $dir || ! -d $dir || $(stat -c %U -- "$dir") != "$(pgc_server_user)" ]]; then
			dir=$(mktemp -d /tmp/pgdemo-XXXXXX) || return 1
		fi
	fi
	pgc_prepare_dir "$dir" 0700 || return 1
	printf '%s\n' "$dir"
}

remove_fallback_socket_dir() {
	local dir=$1
	case $dir in
	/tmp/pgdemo-*) [[ -d $dir && ! -L $dir ]] && rm -rf -- "$dir" ;;
	esac
	return 0
}

# the cluster's identity, recorded at creation
write_info() {
	{
		printf '# written by tools/embedded-db.sh when the cluster was created\n'
		printf 'user=%s\n' "$POSTGRES_USER"
		printf 'database=%s\n' "$POSTGRES_DB"
	} >"$INFO_FILE"
}

warn_if_config_changed() {
	[[ -r $INFO_FILE ]] || return 0
	local user db
	user=$(sed -n 's/^user=//p' "$INFO_FILE")
	db=$(sed -n 's/^database=//p' "$INFO_FILE")
	if [[ $user != "$POSTGRES_USER" || $db != "$POSTGRES_DB" ]]; then
		note "warning: the embedded cluster was created for user \"$user\" and database \"$db\", but the configuration now says \"$POSTGRES_USER\" and \"$POSTGRES_DB\""
		note "hint: it keeps its first user and password; to recreate it: make db-down && rm -rf data/embedded && make db-up"
	fi
}

create_cluster() {
	note "creating a new PostgreSQL cluster in $PGDATA_DIR (user \"$POSTGRES_USER\", database \"$POSTGRES_DB\")"
	mkdir -p -- "$ROOT/data" || return 1
	pgc_prepare_dir "$EMB_DIR" 0700 || return 1
	# a pgdata.init is what a failed earlier attempt left: it never ran
	rm -rf -- "$INIT_DIR" || return 1

	TMP_PWDIR=$(mktemp -d) || return 1
	if ! (cd "$ROOT" && "$SHOW_CONFIG" --password-file "$TMP_PWDIR/pwfile"); then
		error "$SHOW_CONFIG --password-file failed"
		return 1
	fi
	if [[ ! -s $TMP_PWDIR/pwfile ]]; then
		error "the configured password is empty"
		hint "set POSTGRES_PASSWORD in .env or the environment"
		return 1
	fi
	pgc_prepare_dir "$TMP_PWDIR" 0700 || return 1
	pgc_prepare_pwfile "$TMP_PWDIR/pwfile" || return 1

	pgc_init "$INIT_DIR" "$POSTGRES_USER" "$TMP_PWDIR/pwfile" || return 1
	rm -rf -- "$TMP_PWDIR"
	TMP_PWDIR=""
	pgc_create_database "$INIT_DIR" "$POSTGRES_DB" "$POSTGRES_USER" || return 1
	mv -- "$INIT_DIR" "$PGDATA_DIR" || return 1
	write_info
}

cmd_up() {
	local listen sockdir port rc where

	load_config
	PGC_BINDIR=$(pgc_find_bindir "$PGDATA_DIR") || exit 1

	if pgc_status "$PGDATA_DIR"; then
		port=$(pgc_running_port "$PGDATA_DIR")
		listen=$(pgc_running_listen "$PGDATA_DIR")
		if [[ $port == "$POSTGRES_PORT" ]]; then
			echo "the embedded PostgreSQL is already running on $listen:$port (data dir $PGDATA_DIR); nothing to do"
			exit 0
		fi
		error "the embedded PostgreSQL is running on port $port, but POSTGRES_PORT is $POSTGRES_PORT"
		hint "restart it on the new port: make db-down && make db-up"
		exit 1
	fi

	where="$POSTGRES_HOST:$POSTGRES_PORT"
	isready -q -h "$POSTGRES_HOST" -p "$POSTGRES_PORT" -t 2
	rc=$?
	if [[ $rc -eq 0 ]]; then
		echo "a PostgreSQL server already answers at $where; using it, starting nothing"
		exit 0
	elif [[ $rc -eq 1 ]]; then
		echo "a PostgreSQL server already answers at $where (it rejects connections for now: starting up or shutting down?); starting nothing"
		exit 0
	fi

	case $POSTGRES_HOST in
	localhost | 127.0.0.1) listen=127.0.0.1 ;;
	::1) listen=::1 ;;
	*)
		error "no server answers at $where, and POSTGRES_HOST=$POSTGRES_HOST is not this machine: refusing to start a local server for it"
		hint "start that server, or set POSTGRES_HOST=localhost in .env to use a local one"
		exit 1
		;;
	esac

	if [[ ! -f $PGDATA_DIR/PG_VERSION ]]; then
		if [[ -e $PGDATA_DIR ]]; then
			error "$PGDATA_DIR exists but is not a PostgreSQL data directory"
			hint "remove data/embedded and run make db-up again"
			exit 1
		fi
		create_cluster || exit 1
	else
		warn_if_config_changed
		pgc_prepare_dir "$EMB_DIR" 0700 || exit 1
	fi

	sockdir=$(choose_socket_dir "$POSTGRES_PORT") || exit 1
	note "starting PostgreSQL on $listen:$POSTGRES_PORT (log: $LOGFILE)"
	pgc_start "$PGDATA_DIR" "$POSTGRES_PORT" "$listen" "$sockdir" "$LOGFILE" || exit 1
	if ! isready -q -h "$listen" -p "$POSTGRES_PORT" -t 30; then
		error "the server started but does not accept connections on $listen:$POSTGRES_PORT"
		tail -n 20 -- "$LOGFILE" | sed 's/^/    /' >&2
		exit 1
	fi
	echo "embedded PostgreSQL listening on $listen:$POSTGRES_PORT, data dir $PGDATA_DIR; stop it with: make db-down"
}

cmd_down() {
	local sockdir
	if [[ ! -f $PGDATA_DIR/PG_VERSION ]]; then
		echo "no embedded PostgreSQL here ($PGDATA_DIR does not exist); nothing to stop"
		exit 0
	fi
	PGC_BINDIR=$(pgc_find_bindir "$PGDATA_DIR") || exit 1
	if ! pgc_status "$PGDATA_DIR"; then
		echo "the embedded PostgreSQL is not running (data dir $PGDATA_DIR)"
		exit 0
	fi
	sockdir=$(pgc_running_socket_dir "$PGDATA_DIR")
	pgc_stop "$PGDATA_DIR" || exit 1
	remove_fallback_socket_dir "$sockdir"
	echo "stopped the embedded PostgreSQL (data dir $PGDATA_DIR)"
}

cmd_status() {
	local version have_config="" rc
	if load_config optional; then
		have_config=1
	fi
	if [[ ! -f $PGDATA_DIR/PG_VERSION ]]; then
		echo "embedded PostgreSQL: not created yet (no $PGDATA_DIR; make db-up creates it)"
		PGC_BINDIR=$(pgc_find_bindir 2>/dev/null) || PGC_BINDIR=""
	else
		PGC_BINDIR=$(pgc_find_bindir "$PGDATA_DIR") || exit 1
		version=$(pgc_server_version)
		if pgc_status "$PGDATA_DIR"; then
			echo "embedded PostgreSQL: running (pid $(pgc_running_pid "$PGDATA_DIR"))"
			echo "  listening on: $(pgc_running_listen "$PGDATA_DIR"):$(pgc_running_port "$PGDATA_DIR")"
			echo "  socket dir:   $(pgc_running_socket_dir "$PGDATA_DIR")"
			echo "  data dir:     $PGDATA_DIR"
			echo "  log:          $LOGFILE"
			echo "  server:       $version"
			exit 0
		fi
		echo "embedded PostgreSQL: not running"
		[[ -n $have_config ]] && echo "  port:         $POSTGRES_PORT (configured)"
		echo "  data dir:     $PGDATA_DIR"
		echo "  server:       $version"
	fi
	if [[ -n $have_config ]]; then
		isready -q -h "$POSTGRES_HOST" -p "$POSTGRES_PORT" -t 2
		rc=$?
		if [[ $rc -eq 0 || $rc -eq 1 ]]; then
			echo "  note: another PostgreSQL server answers at $POSTGRES_HOST:$POSTGRES_PORT"
		fi
	fi
	exit 3
}

case ${1-} in
up) cmd_up ;;
down) cmd_down ;;
status) cmd_status ;;
-h | --help | help) usage ;;
*)
	usage >&2
	exit 2
	;;
esac
