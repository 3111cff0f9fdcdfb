#!/usr/bin/env python3
"""repartition_report.py - the tables of bench/repartition_bench.sh.

Usage: repartition_report.py WORK SERVER_LOG OUT_JSON ROWS INTERVAL_MS PROBE_PAUSE_S N_MODES FOOTER

Reads what repartition_bench.sh left in WORK (windows.tsv, w/<window>/...,
layout.*) and the server log (the mutator's statement durations), prints the
markdown on stdout and writes OUT_JSON. Exits 1 when a scenario failed, a row
was lost, failed or stale, or a series did not end in the post-setup layout
(the reason in WORK/problems); a missed timing target is reported, not an
exit status.
"""
import json
import math
import os
import re
import sys

SCENARIOS = ["add", "split", "detach", "migrate", "cleanup"]
STALL_MS, STALL_SHARE, READER_MS, RATIO = 100, 0.05, 100, 3

work, server_log, dest, rows, interval, pause, n_modes, footer = sys.argv[1:9]
rows, interval, pause, n_modes = int(rows), int(interval), float(pause), int(n_modes)
online_available = n_modes == 2


def text(path, default=""):
    try:
        return open(path).read()
    except OSError:
        return default


def json_file(path):
    try:
        return json.load(open(path))
    except (OSError, ValueError):
        return None


def percentile(values, p):
    """nearest-rank percentile, None for no values"""
    if not values:
        return None
    s = sorted(values)
    return s[max(0, math.ceil(p / 100 * len(s)) - 1)]


def number(s):
    return int(s.replace(",", ""))


# the mutator's statements, from the server log: "<time> UTC [pid] app LOG:  duration: X ms ..."
mutator = {}
line_re = re.compile(r"^\S+ \S+ \S+ \[\d+\] (bench_mutator_\S+) (LOG|ERROR|FATAL):  (.*)")
for line in open(server_log, errors="replace"):
    m = line_re.match(line)
    if not m:
        continue
    app, level, msg = m.groups()
    w = mutator.setdefault(app[len("bench_mutator_"):], {"ms": [], "errors": []})
    if level == "LOG" and (d := re.match(r"duration: ([\d.]+) ms", msg)):
        w["ms"].append(float(d.group(1)))
    elif level != "LOG":
        w["errors"].append(msg.strip())


def readers(d, session):
    """per query label of one reader session: runs, errors, p50, p99, max (ms)"""
    times = {}
    for line in text(f"{d}/probe_{session}.tsv").splitlines():
        label, ms, err, state = (line.split("\t") + ["", "", "", ""])[:4]
        t = times.setdefault(label, {"ms": [], "errors": 0, "sqlstates": []})
        if ms:
            t["ms"].append(float(ms))
        if err == "1":
            t["errors"] += 1
            t["sqlstates"].append(state)
    return {label: {"runs": len(t["ms"]), "errors": t["errors"], "sqlstates": sorted(set(t["sqlstates"])),
                    "p50_ms": percentile(t["ms"], 50), "p99_ms": percentile(t["ms"], 99),
                    "max_ms": max(t["ms"], default=None)} for label, t in times.items()}


def reader_max(r):
    """a session's longest query, its errors, whether every one of its queries ran"""
    return (max((g["max_ms"] for g in r.values() if g["max_ms"] is not None), default=None),
            sum(g["errors"] for g in r.values()), bool(r) and all(g["runs"] for g in r.values()))


def window(name, mode, scenario):
    d = f"{work}/w/{name}"
    t0, t1 = (int(x) for x in text(f"{d}/times", "0\t0").split())
    load = json_file(f"{d}/load.json")
    lat = (load or {}).get("commit_latency_ms", {})
    mut = mutator.get(name, {"ms": [], "errors": []})
    verify = text(f"{d}/verify.out")
    m = re.search(r"([\d,]+) rows checked, ([\d,]+) missing, ([\d,]+) changed", verify)
    checked, missing, changed = (number(x) for x in m.groups()) if m else (None, None, None)
    m = re.search(r"changed=(\d+) stale=(\d+)", text(f"{d}/mutations.out"))
    mut_changed, stale = (int(x) for x in m.groups()) if m else (None, None)
    seq = text(f"{d}/mutations.seq").strip()
    m = re.search(r"archived_rows=(\d+) archived_changes=(\d+) deleted_archived=(\d+)", text(f"{d}/archive.out"))
    archived_rows, archived_changes, deleted_archived = (int(x) for x in m.groups()) if m else (None, None, None)
    r = {session: readers(d, session) for session in ("moved", "whole")}
    w = {"mode": mode, "scenario": scenario or None, "middle_ms": t1 - t0,
         "writer": {"max_ms": lat.get("max"), "p99_ms": lat.get("p99"), "p50_ms": lat.get("p50"),
                    "transactions": (load or {}).get("transactions"), "retries": (load or {}).get("retries"),
                    "failed_rows": (load or {}).get("failed_rows"), "unknown_rows": (load or {}).get("unknown_rows"),
                    "statistics": load is not None},
         "mutator": {"statements": len(mut["ms"]), "max_ms": max(mut["ms"], default=None),
                     "p99_ms": percentile(mut["ms"], 99), "p50_ms": percentile(mut["ms"], 50),
                     "errors": len(mut["errors"]), "first_errors": mut["errors"][:3]},
         "readers": r,
         "ledger": {"checked": checked, "missing": missing, "changed": changed,
                    "exit": int(text(f"{d}/verify.rc", "1").strip() or 1)},
         "mutations": {"changed": mut_changed, "stale": stale, "last_seq": int(seq) if seq.isdigit() else None},
         "archive": {"ledger_rows": archived_rows, "changed_rows": archived_changes,
                     "deleted_rows_present": deleted_archived}}
    w["reader_moved_max_ms"], moved_err, moved_ran = reader_max(r["moved"])
    w["reader_whole_max_ms"], whole_err, whole_ran = reader_max(r["whole"])
    w["reader_errors"] = moved_err + whole_err
    w["reader_first_errors"] = [line for f in ("moved", "whole")
                                for line in text(f"{d}/probe_{f}.err").splitlines() if line.startswith("ERROR")][:3]
    w["readers_ran"] = moved_ran and whole_ran
    stalls = [x for x in (w["writer"]["max_ms"], w["mutator"]["max_ms"]) if x is not None]
    w["stall_ms"] = max(stalls) if len(stalls) == 2 else None
    # load-data --verify looks in event_logs_archive too (rows detach archived are
    # there, not lost); the mutator's check does not: its rows found there as they
    # should be are not stale, deleted rows there are
    w["lost"] = None if missing is None else missing + changed
    w["stale"] = None if stale is None or archived_changes is None else stale - archived_changes + deleted_archived
    w["write_errors"] = ((load or {}).get("failed_rows") or 0) + ((load or {}).get("unknown_rows") or 0) \
        + w["mutator"]["errors"]
    if scenario:
        rep = json_file(f"{d}/repartition.json") or {}
        rc = int(text(f"{d}/repartition.rc", "1").strip() or 1)
        err_text = text(f"{d}/repartition.err")
        err = [line for line in err_text.splitlines() if "error" in line][:2]
        # the online form's swap: the one time its writers wait ("swapped in N ms")
        swaps = [float(x) for x in re.findall(r"swapped in ([\d.]+) ms", err_text)]
        ran = rep.get("mode") or ("offline" if not online_available else "unknown")
        w["repartition"] = {"exit": rc, "status": rep.get("status"), "mode": ran,
                            "duration_ms": (rep.get("duration_ms") or {}).get("scenario"),
                            "transaction_ms": (rep.get("duration_ms") or {}).get("transaction"),
                            "attempts": rep.get("attempts"), "retries": rep.get("retries"),
                            "swap_ms": max(swaps, default=None),
                            "messages": rep.get("messages"), "errors": err}
    return w


windows = {}
for line in text(f"{work}/windows.tsv").splitlines():
    name, mode, scenario = (line.split("\t") + [""])[:3]
    windows[name] = window(name, mode, scenario)
setup_layout = text(f"{work}/layout.setup")
layout_restored = {mode: text(f"{work}/layout.{mode}", None) == setup_layout
                   for mode in ("online", "offline") if os.path.exists(f"{work}/layout.{mode}")}


def checks(w, mode, offline=None):
    """the issue's targets for one scenario window: name -> True / False / None (not measurable)"""
    rep = w["repartition"]
    ok = rep["exit"] == 0 and rep["status"] == "ok"
    dur, stall = rep["duration_ms"], w["stall_ms"]
    c = {"ran": ok and rep["mode"] == mode}
    c["stall"] = ok and stall is not None and stall < STALL_MS
    c["stall_share"] = ok and stall is not None and dur is not None and stall < STALL_SHARE * dur
    c["readers"] = ok and w["readers_ran"] and w["reader_errors"] == 0 and \
        max(w["reader_moved_max_ms"] or 0, w["reader_whole_max_ms"] or 0) < READER_MS
    c["intact"] = w["lost"] == 0 and w["stale"] == 0 and w["write_errors"] == 0
    if mode == "online":
        odur = offline and offline["repartition"]["duration_ms"]
        c["ratio"] = None if not c["ran"] else (ok and dur is not None and bool(odur) and offline["repartition"]["exit"] == 0
                      and dur <= RATIO * odur) if offline else None
    return c


series = {}
for mode in ("online", "offline"):
    names = [n for n, w in windows.items() if w["mode"] == mode]
    if not names:
        series[mode] = {"available": False}
        continue
    s = {"available": True, "baseline": windows.get(f"{mode}_baseline"), "scenarios": {},
         "layout_restored": layout_restored.get(mode)}
    for sc in SCENARIOS:
        w = windows.get(f"{mode}_{sc}")
        if w:
            off = windows.get(f"offline_{sc}") if mode == "online" else None
            s["scenarios"][sc] = {**w, "targets": checks(w, mode, off)}
    series[mode] = s


def fmt(x, spec=",.1f", none="–"):
    return none if x is None else format(x, spec)


def verdict(ok):
    return "n/a" if ok is None else ("PASS" if ok else "**FAIL**")


def cell_readers(ms, errors):
    return fmt(ms) + (f" ({errors} errors)" if errors else "")


print(f"Re-partitioning at {rows:,} seed rows per table, on one server: the five scenarios in the "
      "order add, split, detach, migrate, cleanup " + ("online (`bin/repartition --json S`), then the same "
      "offline (`bin/repartition --offline --json S`, the one-transaction form)" if online_available else
      "in today's one-transaction form (offline; `bin/repartition` has no `--offline` yet, so there is no "
      "online series to measure: **online: not available**)") + ". Every window, a baseline (3 s, no scenario) "
      "first in each series, has its own sessions, started 1 s before the scenario and stopped 1 s after it: "
      f"a writer `load-data {interval} --ledger` (an insert every {interval} ms into the four tables, lock "
      "timeout 2 s then retry), a mutator (`row_mutator`, tests/lib/row_mutator.sh: updates and deletes of "
      f"seeded rows of event_logs and users_distributed, every 5 ms) and two readers (`reader_probe`, "
      f"tests/lib/reader_probe.sh: one psql session each, a query every {pause * 1000:.0f} ms).")
print()
print("Duration: `duration_ms.scenario` of `--json` (every attempt); ran: the `mode` of `--json`. Swap: "
      "the online form's swap, from its progress (`swapped in N ms`), the one time its writers wait. Writer: load-data's commit latency "
      "(first attempt to COMMIT, lock waits and retries included), longest and p99. Mutator: its statements' "
      "durations in the server log (`log_min_duration_statement=0` for its session; lock waits included). "
      "Readers: two sessions, a query every 10 ms each, psql's `\\timing` of each query (lock waits included), "
      "the longest in the window: *moved* reads the partitions the scenario moves (an hour of April for add "
      "and split, of January for detach, a user by id for migrate, those three in turn for cleanup and the "
      "baselines), *whole* every partition of the table (an event by id for add, split and detach, a user by "
      "name for migrate, both in turn for cleanup and the baselines). Lost: rows of the ledger `load-data --verify` "
      "did not find or found changed, over every window so far; stale: rows the mutator changed that are not "
      "in their last state (`online_mutation_check`), also over every window so far. From detach to cleanup "
      "the archived month is in `event_logs_archive`: `load-data --verify` looks there too; a row the mutator "
      "last updated found there in that state is not counted stale, a row it deleted found there is "
      "(bench/sql/repartition_archive_check.sql).")
print()
print("| series | scenario | ran | duration ms | attempts | swap ms | writer longest ms | writer p99 ms "
      "| mutator longest ms | mutator p99 ms | readers longest ms: moved | whole | rows lost | rows stale |")
print("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for mode in ("online", "offline"):
    s = series[mode]
    if not s["available"]:
        print(f"| {mode} | (all five) | not available | – | – | – | – | – | – | – | – | – | – | – |")
        continue
    rows_out = ([("(baseline)", s["baseline"])] if s["baseline"] else []) + list(s["scenarios"].items())
    for sc, w in rows_out:
        rep = w.get("repartition")
        ran = "–" if not rep else (rep["mode"] if rep["exit"] == 0 else f"failed (exit {rep['exit']})")
        wr, mu = w["writer"], w["mutator"]
        lost = fmt(w["lost"], ",") + (f" ({w['write_errors']} write errors)" if w["write_errors"] else "")
        print(f"| {mode} | {sc} | {ran} | {fmt(rep and rep['duration_ms'], ',.0f')} "
              f"| {fmt(rep and rep['attempts'], 'd')} | {fmt(rep and rep['swap_ms'])} | {fmt(wr['max_ms'])} | {fmt(wr['p99_ms'])} "
              f"| {fmt(mu['max_ms'])} | {fmt(mu['p99_ms'])} "
              f"| {cell_readers(w['reader_moved_max_ms'], 0)} | {cell_readers(w['reader_whole_max_ms'], w['reader_errors'])} "
              f"| {lost} | {fmt(w['stale'], ',')} |")
print()
print(f"The issue's targets, per scenario: every writer's longest stall (writer and mutator) under "
      f"{STALL_MS} ms and under {STALL_SHARE:.0%} of the scenario's duration; readers' longest wait under "
      f"{READER_MS} ms (and no reader error); 0 rows lost, stale or failed; online duration at most "
      f"{RATIO}× offline. They are the online form's targets; the offline rows show what the blocking form does.")
print()
print("| series | scenario | longest stall ms | stall / duration | stall < 100 ms | stall < 5% "
      "| readers < 100 ms | 0 lost, stale, failed | online / offline | ≤ 3× |")
print("|---|---|---:|---:|---|---|---|---|---:|---|")
for mode in ("online", "offline"):
    s = series[mode]
    if not s["available"]:
        print(f"| {mode} | (all five) | not available | | n/a | n/a | n/a | n/a | not available | n/a |")
        continue
    for sc, w in s["scenarios"].items():
        c, rep = w["targets"], w["repartition"]
        share = w["stall_ms"] / rep["duration_ms"] if w["stall_ms"] is not None and rep["duration_ms"] else None
        ratio, ratio_ok = "", ""
        if mode == "online":
            off = series["offline"]["scenarios"].get(sc) if series["offline"]["available"] else None
            od = off and off["repartition"]["duration_ms"]
            ratio = f"{rep['duration_ms'] / od:.2f}" if od and rep["duration_ms"] is not None else "–"
            ratio_ok = verdict(c["ratio"])
        ran = "" if c["ran"] else f" (ran {rep['mode']})" if rep["exit"] == 0 else " (failed)"
        print(f"| {mode} | {sc}{ran} | {fmt(w['stall_ms'])} | {fmt(share, '.0%')} | {verdict(c['stall'])} "
              f"| {verdict(c['stall_share'])} | {verdict(c['readers'])} | {verdict(c['intact'])} | {ratio} | {ratio_ok} |")
total = {}
for mode in ("online", "offline"):
    s = series[mode]
    if s["available"]:
        d = [w["repartition"]["duration_ms"] for w in s["scenarios"].values()]
        ran = all(w["targets"]["ran"] for w in s["scenarios"].values())
        total[mode] = sum(d) if d and None not in d and ran else None
if online_available and total.get("online") is not None and total.get("offline"):
    print(f"| **all five** | | | | | | | | **{total['online'] / total['offline']:.2f}** "
          f"| {verdict(total['online'] <= RATIO * total['offline'])} |")
elif online_available:
    n = sum(w["targets"]["ran"] for w in series["online"]["scenarios"].values())
    print(f"| **all five** | {n} of {len(series['online']['scenarios'])} ran online | | | | | | | – | n/a |")
print()
for mode in ("online", "offline"):
    s = series[mode]
    if s["available"]:
        print(f"Layout after the {mode} series' cleanup: "
              + {True: "the post-setup one (relations, partition keys, bounds)", False: "**not the post-setup one**",
                 None: "not checked"}[s["layout_restored"]] + ".  ")
last = windows[list(windows)[-1]] if windows else None
if last:
    led, mu = last["ledger"], last["mutations"]
    print(f"At the end: `load-data --verify` checked {fmt(led['checked'], ',')} committed rows, "
          f"{fmt(led['missing'], ',')} missing, {fmt(led['changed'], ',')} changed; the mutator changed "
          f"{fmt(mu['changed'], ',')} rows ({fmt(mu['last_seq'], ',')} changes), {fmt(last['stale'], ',')} stale.  ")
print(footer + ".")

summary = {"rows": rows, "interval_ms": interval, "probe_pause_ms": pause * 1000,
           "online_available": online_available,
           "targets": {"stall_ms": STALL_MS, "stall_share": STALL_SHARE, "reader_ms": READER_MS, "ratio": RATIO},
           "series": series, "total_ms": total, "footer": footer}
json.dump(summary, open(dest, "w"), indent=1)

problems = []
for mode, s in series.items():
    if not s["available"]:
        continue
    for sc, w in s["scenarios"].items():
        rep = w["repartition"]
        if rep["exit"] != 0 or rep["status"] != "ok":
            problems.append(f"{mode} {sc} failed (exit {rep['exit']})")
        if not w["targets"]["intact"]:
            problems.append(f"{mode} {sc}: rows lost, stale or failed")
    if s["layout_restored"] is not True:
        problems.append(f"{mode}: the layout after cleanup is not the post-setup one")
open(f"{work}/problems", "w").write("; ".join(problems))
sys.exit(1 if problems else 0)
