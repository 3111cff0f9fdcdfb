# shellcheck shell=bash
# pg-cluster-lib.sh - bash functions to create, start and stop a private
# PostgreSQL cluster with the server binaries (initdb, pg_ctl, postgres).
#
# Sourced, not executed, by tools/embedded-db.sh and tests/lib/cluster.sh.
#
# Conventions of every function here:
#   - errors go to stderr as "<prog>: error: ..." (plus "hint: ..."); the
#     function returns non-zero and never exits the caller's shell;
#   - paths may be relative; they are made absolute before use, because the
#     server programs run with / as working directory;
#   - when running as root the server programs run as an unprivileged user
#     (PostgreSQL refuses root): $PGC_SERVER_USER if set, else "postgres" if
#     that user exists, else a system user "pgdemo" created on first use;
#   - the server binaries come from pgc_find_bindir (override: $PG_BINDIR).
#   - the password is only ever read from a file by initdb; nothing here
#     prints it or puts it on a command line.
#
# Functions:
#   pgc_find_bindir [DATADIR]     print the server bindir (for DATADIR: one of
#                                 the same major version as the cluster)
#   pgc_server_user               print the user the server runs as
#   pgc_as_server_user CMD...     run CMD as that user (cwd /) when root
#   pgc_prepare_dir DIR [MODE]    mkdir -p DIR, owned by the server user
#   pgc_prepare_pwfile FILE       make FILE mode 0600, owned by the server user
#   pgc_init DATADIR USER PWFILE [initdb args...]
#   pgc_create_database DATADIR DBNAME USER   (single-user mode, before start)
#   pgc_start DATADIR PORT LISTEN_ADDRESSES SOCKET_DIR LOGFILE [name=value...]
#   pgc_stop DATADIR              fast stop; 0 also when it was not running
#   pgc_status DATADIR            0 running, 3 not running, 4 no cluster there
#   pgc_running_port DATADIR      print the port of the running server
#   pgc_running_socket_dir DATADIR  print its first unix socket directory
#   pgc_socket_dir_fits DIR PORT  0 if DIR/.s.PGSQL.PORT fits a socket path
#   pgc_server_version            print `postgres --version` of the bindir

# Name used in messages; callers may set it before sourcing or later.
: "${PGC_PROG:=pg-cluster}"

# Caches, filled on first use (set them yourself to override).
: "${PGC_BINDIR:=}"
: "${PGC_SERVER_USER:=}"

_pgc_error() { printf '%s: error: %s\n' "$PGC_PROG" "$*" >&2; }
_pgc_hint()  { printf '%s: hint: %s\n' "$PGC_PROG" "$*" >&2; }

# _pgc_abs PATH: print PATH made absolute (it need not exist).
_pgc_abs() {
	case $1 in
	/*) printf '%s\n' "$1" ;;
	*) printf '%s/%s\n' "$(pwd -P)" "$1" ;;
	esac
}

# _pgc_sh_quote STRING: quote STRING for /bin/sh (pg_ctl -o goes through sh).
_pgc_sh_quote() {
	local s=$1
	printf "'%s'" "${s//\'/\'\\\'\'}"
}

_pgc_has_server_bins() {
	[[ -n $1 && -x $1/initdb && -x $1/pg_ctl && -x $1/postgres ]]
}

# _pgc_major BINDIR: print the major version of BINDIR/postgres (e.g. 15).
_pgc_major() {
	local v
	v=$("$1/postgres" --version 2>/dev/null) || return 1
	v=${v#*) }                  # "postgres (PostgreSQL) 15.18 (Debian ...)"
	v=${v%%[!0-9]*}
	[[ -n $v ]] && printf '%s\n' "$v"
}

pgc_find_bindir() {
	local datadir=${1-} want="" cand d pgc
	local -a cands=()

	if [[ -n $datadir && -f $datadir/PG_VERSION ]]; then
		want=$(<"$datadir/PG_VERSION")
	fi

	if [[ -n ${PG_BINDIR-} ]]; then
		if ! _pgc_has_server_bins "$PG_BINDIR"; then
			_pgc_error "PG_BINDIR=$PG_BINDIR does not contain initdb, pg_ctl and postgres"
			return 1
		fi
		printf '%s\n' "$PG_BINDIR"
		return 0
	fi

	if pgc=$(pg_config --bindir 2>/dev/null); then
		cands+=("$pgc")
	fi
	# /usr/lib/postgresql/<version>/bin, highest version first
	while IFS= read -r d; do
		cands+=("$d")
	done < <(compgen -G '/usr/lib/postgresql/*/bin' | sort -t/ -k5,5Vr)
	if d=$(command -v initdb 2>/dev/null); then
		cands+=("${d%/*}")
	fi

	for cand in "${cands[@]}"; do
		_pgc_has_server_bins "$cand" || continue
		if [[ -n $want && $(_pgc_major "$cand") != "$want" ]]; then
			continue
		fi
		printf '%s\n' "$cand"
		return 0
	done

	if [[ -n $want ]]; then
		_pgc_error "the cluster in $datadir was created by PostgreSQL $want, and no PostgreSQL $want server binaries were found"
		_pgc_hint "apt-get install postgresql-$want, or set PG_BINDIR to its bin directory"
	else
		_pgc_error "no PostgreSQL server binaries found (initdb, pg_ctl, postgres)"
		_pgc_hint "apt-get install postgresql, or set PG_BINDIR to the directory holding initdb"
	fi
	return 1
}

# Make sure PGC_BINDIR is set in the current shell.
_pgc_need_bindir() {
	[[ -n $PGC_BINDIR ]] && return 0
	PGC_BINDIR=$(pgc_find_bindir "") || return 1
}

pgc_server_user() {
	if [[ -n $PGC_SERVER_USER ]]; then
		printf '%s\n' "$PGC_SERVER_USER"
		return 0
	fi
	if [[ $EUID -ne 0 ]]; then
		id -un
		return
	fi
	local u
	for u in postgres pgdemo; do
		if id -u "$u" >/dev/null 2>&1; then
			printf '%s\n' "$u"
			return 0
		fi
	done
	if ! useradd --system --no-create-home --home-dir /nonexistent \
		--shell /usr/sbin/nologin pgdemo >/dev/null 2>&1 &&
		! id -u pgdemo >/dev/null 2>&1; then
		_pgc_error "running as root and could not create the system user pgdemo to run the server"
		_pgc_hint "create an unprivileged user and set PGC_SERVER_USER to its name"
		return 1
	fi
	printf '%s\n' pgdemo
}

_pgc_need_user() {
	[[ -n $PGC_SERVER_USER ]] && return 0
	PGC_SERVER_USER=$(pgc_server_user) || return 1
}

pgc_as_server_user() {
	if [[ $EUID -ne 0 ]]; then
		"$@"
		return
	fi
	_pgc_need_user || return 1
	if [[ $PGC_SERVER_USER == root ]]; then
		_pgc_error "PGC_SERVER_USER must not be root"
		return 1
	fi
	(cd / && exec runuser -u "$PGC_SERVER_USER" -- "$@")
}

# _pgc_check_reachable DIR: the server user must be able to enter DIR.
_pgc_check_reachable() {
	pgc_as_server_user test -x "$1" && return 0
	_pgc_error "the server user '$(pgc_server_user)' cannot reach $1"
	_pgc_hint "every directory above it must be searchable by that user (chmod o+x), or use a location such as /tmp"
	return 1
}

pgc_prepare_dir() {
	local dir mode=${2:-0700}
	dir=$(_pgc_abs "$1")
	if [[ -L $dir ]]; then
		_pgc_error "$dir is a symbolic link; refusing to use it"
		return 1
	fi
	mkdir -p -- "$dir" || return 1
	if [[ $EUID -eq 0 ]]; then
		_pgc_need_user || return 1
		chown -- "$PGC_SERVER_USER:" "$dir" || return 1
	fi
	chmod -- "$mode" "$dir" || return 1
	_pgc_check_reachable "$dir"
}

pgc_prepare_pwfile() {
	local f
	f=$(_pgc_abs "$1")
	chmod 0600 -- "$f" || return 1
	if [[ $EUID -eq 0 ]]; then
		_pgc_need_user || return 1
		chown -- "$PGC_SERVER_USER:" "$f" || return 1
	fi
	if ! pgc_as_server_user test -r "$f"; then
		_pgc_error "the server user '$(pgc_server_user)' cannot read the password file $f"
		return 1
	fi
}

pgc_init() {
	if [[ $# -lt 3 ]]; then
		_pgc_error "usage: pgc_init DATADIR USER PWFILE [initdb args...]"
		return 2
	fi
	local datadir user pwfile out
	datadir=$(_pgc_abs "$1") user=$2 pwfile=$(_pgc_abs "$3")
	shift 3
	_pgc_need_bindir || return 1
	_pgc_need_user || return 1

	if [[ -e $datadir && -n $(ls -A -- "$datadir" 2>/dev/null) ]]; then
		_pgc_error "data directory $datadir exists and is not empty"
		return 1
	fi
	if [[ ! -f $pwfile ]]; then
		_pgc_error "password file $pwfile does not exist"
		return 1
	fi
	# Creating the data directory ourselves (empty, owned by the server user)
	# means its parent does not have to be writable by that user.
	pgc_prepare_dir "$datadir" 0700 || return 1
	if ! pgc_as_server_user test -r "$pwfile"; then
		_pgc_error "the server user '$PGC_SERVER_USER' cannot read the password file $pwfile"
		_pgc_hint "use pgc_prepare_pwfile"
		return 1
	fi

	if ! out=$(pgc_as_server_user "$PGC_BINDIR/initdb" -D "$datadir" -U "$user" \
		--pwfile="$pwfile" --auth=scram-sha-256 --encoding=UTF8 --locale=C \
		"$@" 2>&1); then
		_pgc_error "initdb failed for $datadir"
		printf '%s\n' "$out" >&2
		return 1
	fi
}

pgc_create_database() {
	if [[ $# -ne 3 ]]; then
		_pgc_error "usage: pgc_create_database DATADIR DBNAME USER"
		return 2
	fi
	local datadir dbname=$2 user=$3 out sql
	datadir=$(_pgc_abs "$1")
	[[ $dbname == postgres ]] && return 0
	_pgc_need_bindir || return 1

	sql=$(printf 'CREATE DATABASE "%s" OWNER "%s";' "${dbname//\"/\"\"}" "${user//\"/\"\"}")
	# -j: a statement ends with ";" and an empty line, so names may hold newlines.
	# The single-user backend exits 0 even when a statement fails: look at its log.
	out=$(printf '%s\n\n' "$sql" |
		pgc_as_server_user "$PGC_BINDIR/postgres" --single -j -D "$datadir" \
			-c log_checkpoints=off template1 2>&1)
	local rc=$?
	if [[ $rc -ne 0 ]] || grep -Eq '(ERROR|FATAL|PANIC):' <<<"$out"; then
		_pgc_error "could not create database \"$dbname\" in $datadir"
		grep -E '(ERROR|FATAL|PANIC|DETAIL|HINT):' <<<"$out" >&2 || printf '%s\n' "$out" >&2
		return 1
	fi
}

pgc_socket_dir_fits() {
	# sun_path is 108 bytes on Linux; keep a margin.
	local path="$1/.s.PGSQL.$2"
	[[ ${#path} -le 100 ]]
}

pgc_start() {
	if [[ $# -lt 5 ]]; then
		_pgc_error "usage: pgc_start DATADIR PORT LISTEN_ADDRESSES SOCKET_DIR LOGFILE [name=value...]"
		return 2
	fi
	local datadir port=$2 listen=$3 sockdir logfile opts setting out
	datadir=$(_pgc_abs "$1") sockdir=$(_pgc_abs "$4") logfile=$(_pgc_abs "$5")
	shift 5
	_pgc_need_bindir || return 1
	_pgc_need_user || return 1

	if [[ ! $port =~ ^[0-9]+$ ]] || ((port < 1 || port > 65535)); then
		_pgc_error "invalid port: $port"
		return 1
	fi
	if ! pgc_socket_dir_fits "$sockdir" "$port"; then
		_pgc_error "unix socket path $sockdir/.s.PGSQL.$port is too long"
		return 1
	fi
	[[ -d $sockdir ]] || pgc_prepare_dir "$sockdir" 0700 || return 1
	if [[ ! -e $logfile ]]; then
		(umask 077 && : >"$logfile") || return 1
		if [[ $EUID -eq 0 ]]; then
			chown -- "$PGC_SERVER_USER:" "$logfile" || return 1
		fi
	fi

	opts="-c $(_pgc_sh_quote "port=$port")"
	opts+=" -c $(_pgc_sh_quote "listen_addresses=$listen")"
	opts+=" -c $(_pgc_sh_quote "unix_socket_directories=$sockdir")"
	for setting in "$@"; do
		opts+=" -c $(_pgc_sh_quote "$setting")"
	done

	if ! out=$(pgc_as_server_user "$PGC_BINDIR/pg_ctl" start -w -t 60 -s \
		-D "$datadir" -l "$logfile" -o "$opts" 2>&1); then
		_pgc_error "could not start the server in $datadir"
		[[ -n $out ]] && printf '%s\n' "$out" >&2
		if [[ -s $logfile ]]; then
			printf '%s: last lines of %s:\n' "$PGC_PROG" "$logfile" >&2
			tail -n 20 -- "$logfile" | sed 's/^/    /' >&2
		fi
		return 1
	fi
}

pgc_status() {
	local datadir
	datadir=$(_pgc_abs "$1")
	[[ -f $datadir/PG_VERSION ]] || return 4
	_pgc_need_bindir || return 1
	pgc_as_server_user "$PGC_BINDIR/pg_ctl" status -D "$datadir" >/dev/null 2>&1
}

pgc_stop() {
	local datadir out
	datadir=$(_pgc_abs "$1")
	pgc_status "$datadir"
	case $? in
	0) ;;
	3 | 4) return 0 ;;
	*) return 1 ;;
	esac
	if ! out=$(pgc_as_server_user "$PGC_BINDIR/pg_ctl" stop -D "$datadir" \
		-m fast -w -t 60 -s 2>&1); then
		# it may have stopped on its own in the meantime
		pgc_status "$datadir"
		[[ $? -eq 3 ]] && return 0
		_pgc_error "could not stop the server in $datadir"
		[[ -n $out ]] && printf '%s\n' "$out" >&2
		return 1
	fi
}

# postmaster.pid lines: pid, datadir, start time, port, socket dir, listen addr, ...
_pgc_pidfile_line() {
	local datadir
	datadir=$(_pgc_abs "$1")
	[[ -r $datadir/postmaster.pid ]] || return 1
	sed -n "${2}p" -- "$datadir/postmaster.pid"
}

pgc_running_pid()        { _pgc_pidfile_line "$1" 1; }
pgc_running_port()       { _pgc_pidfile_line "$1" 4; }
pgc_running_socket_dir() { _pgc_pidfile_line "$1" 5; }
pgc_running_listen()     { _pgc_pidfile_line "$1" 6; }

pgc_server_version() {
	_pgc_need_bindir || return 1
	"$PGC_BINDIR/postgres" --version
}
