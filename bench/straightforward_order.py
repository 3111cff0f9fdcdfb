#!/usr/bin/env python3
"""Rewrites migration scripts into the straightforward order, for the benchmark.

The scripts build keys and indexes AFTER the bulk copy (the fast path). Each
such part is marked "-- @bench: keys begin" ... "-- @bench: keys end" and
follows a copy marked "-- @bench: copy begin" ... "-- @bench: copy end" (the
marks' grammar is that of src/pg/sql_marks.h; this reads the file's text, as it
moves text). This moves every keys block in front of the copy before it, giving
the spec's order (keys and indexes first, then the copy) with exactly the same
statements.

Usage: straightforward_order.py SRC_SCRIPTS_DIR DEST_SCRIPTS_DIR
"""
import pathlib
import re
import shutil
import sys

# "-- @bench: copy begin" (blanks as sql_marks.h allows) up to its "end" line
MARK = r"^[ \t]*--[ \t]*@bench[ \t]*:[ \t]*{part}[ \t]*\n"
BLOCK = re.compile(MARK.format(part=r"(copy|keys)[ \t]+begin") + ".*?"
                   + MARK.format(part=r"\1[ \t]+end"), re.S | re.M)


def reorder(text):
    out, copy_at, pos = [], None, 0
    for m in BLOCK.finditer(text):
        out.append(text[pos:m.start()])
        if m.group(1) == "copy":
            copy_at = len(out)          # where this copy block goes in out
            out.append(m.group(0))
        else:
            if copy_at is None:
                raise SystemExit("a keys block without a copy block before it")
            out.insert(copy_at, m.group(0))
            copy_at = None
        pos = m.end()
    out.append(text[pos:])
    return "".join(out)


def main():
    src, dest = map(pathlib.Path, sys.argv[1:3])
    shutil.copytree(src, dest)
    changed = 0
    for path in sorted(dest.glob("0[1-4]_*.sql")):
        text = path.read_text()
        new = reorder(text)
        if new != text:
            path.write_text(new)
            changed += 1
    if changed != 4:
        raise SystemExit(f"expected 4 migration scripts with markers, rewrote {changed}")


if __name__ == "__main__":
    main()
