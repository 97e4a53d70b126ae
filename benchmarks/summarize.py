#!/usr/bin/env python3
"""Turns run.sh's results.tsv (tag <TAB> RESULT line) into the side-by-side tables of benchmarks/README.md."""
import re
import sys


def parse(path):
    rows, meta = {}, {}
    for line in open(path, encoding="utf-8"):
        tag, _, rest = line.rstrip("\n").partition("\t")
        if tag in ("load_start", "load_end", "commit"):
            meta[tag] = rest
            continue
        values = dict(re.findall(r"(\w+)=(\S+)", rest))
        values["_command"] = rest.split(" ", 1)[0]
        rows[tag] = values
    return rows, meta


def num(row, key):
    try:
        return float(row[key]) if row and key in row else None
    except ValueError:
        return None


def fmt(value, digits=1):
    if value is None or value != value:
        return "–"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.{digits}f}"


def ratio(a, b, digits=2):
    if a is None or b in (None, 0) or a != a or b != b:
        return "–"
    return f"{a / b:.{digits}f}"


def median(values):
    values = sorted(v for v in values if v is not None)
    if not values:
        return None
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2


def rounds(rows, server_tag, floor_tag):
    """A cell measured in alternating rounds (tag-r1, tag-r2, ...): the median of each figure, the median of the
    rounds' own syncs/s ratios, and a note listing them. A cell run once comes back as it is."""
    if server_tag in rows or floor_tag in rows:
        s, f = rows.get(server_tag), rows.get(floor_tag)
        return s, f, (num(s, "syncs_per_s") / num(f, "syncs_per_s") if num(s, "syncs_per_s") and num(f, "syncs_per_s") else None), None
    pairs = []
    for r in range(1, 100):
        s, f = rows.get(f"{server_tag}-r{r}"), rows.get(f"{floor_tag}-r{r}")
        if s is None and f is None:
            break
        pairs.append((s, f))
    if not pairs:
        return None, None, None, None
    def combined(side):
        present = [pair[side] for pair in pairs if pair[side]]
        if not present:
            return None
        keys = ("syncs_per_s", "p50_ms", "p99_ms", "redo_bytes_per_sync")
        row = {k: str(median([num(x, k) for x in present])) for k in keys if any(num(x, k) is not None for x in present)}
        row["errors"] = str(sum(int(x.get("errors", "0")) for x in present))
        return row
    ratios = [num(s, "syncs_per_s") / num(f, "syncs_per_s") if num(s, "syncs_per_s") and num(f, "syncs_per_s") else None
              for s, f in pairs]
    note = ((f"median of {len(pairs)} alternating rounds; round ratios " if len(pairs) > 1 else "one round; ")
            + ", ".join(f"{fmt(num(s, 'syncs_per_s'), 0)}/{fmt(num(f, 'syncs_per_s'), 0)} = {r:.2f}" if r else "–"
                        for (s, f), r in zip(pairs, ratios)))
    return combined(0), combined(1), median(ratios), note


def verdict(value, bound, lower_is_better):
    if value is None or value != value:
        return "–"
    ok = value <= bound if lower_is_better else value >= bound
    return "met" if ok else "**missed**"


def main(path):
    rows, meta = parse(path)
    flushes = sorted({t.split("-", 1)[0][1:] for t in rows if re.match(r"f\d-", t)})
    print(f"commit {meta.get('commit', '?')}; load average at start {meta.get('load_start', '?')}, "
          f"at end {meta.get('load_end', '?')}")
    print()
    print("Every sync: 10 records. Server = REST closed loop; floor = `LoadTest floor` (lock head row, one log row, "
          "head update, commit) on the same MariaDB. Ratios: server/floor.")
    print()
    print("| scenario | flush | server syncs/s | p50 ms | p99 ms | redo B/sync | floor syncs/s | floor p50 | floor p99 "
          "| floor redo B/sync | syncs/s ratio | p50 ratio | redo ratio | notes |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    sizes = sorted({int(t.rsplit("-", 1)[1]) for t in rows if "-rest-size-" in t})
    targets = []
    for flush in flushes:
        p = f"f{flush}"
        lines = [(f"1 client, book of {n:,} records", f"{p}-rest-size-{n}", f"{p}-floor-1x1") for n in sizes]
        lines += [("20 clients on 1 book", f"{p}-rest-20x1", f"{p}-floor-20x1"),
                  ("20 clients on 10 books", f"{p}-rest-20x10", f"{p}-floor-20x10")]
        for label, server_tag, floor_tag in lines:
            s, f, speed, rounds_note = rounds(rows, server_tag, floor_tag)
            if s is None and f is None:
                continue
            notes = [rounds_note] if rounds_note else []
            if s and s.get("errors", "0") != "0":
                notes.append(f"errors {s['errors']}")
            if s and "min_syncs_missed" in s:
                notes.append(f"{s['syncs']} of {s['min_syncs_missed']} syncs for the checkpoint cycles"
                             + (" (unreachable at this rate: stopped early)" if "min_syncs_unreachable" in s else ""))
            if s and "checkpoints" in s and "size" in server_tag:
                notes.append(f"{s['checkpoints']} checkpoints in the window")
            if s and "window_s" in s:
                notes.append(f"{s['window_s']} s window")
            if s and "seed_s" in s and "size" in server_tag:
                notes.append(f"seeded in {s['seed_s']} s")
            print(f"| {label} | {flush} | {fmt(num(s, 'syncs_per_s'))} | {fmt(num(s, 'p50_ms'))} | {fmt(num(s, 'p99_ms'))} "
                  f"| {fmt(num(s, 'redo_bytes_per_sync'), 0)} | {fmt(num(f, 'syncs_per_s'))} | {fmt(num(f, 'p50_ms'))} "
                  f"| {fmt(num(f, 'p99_ms'))} | {fmt(num(f, 'redo_bytes_per_sync'), 0)} "
                  f"| {fmt(speed, 2)} | {ratio(num(s, 'p50_ms'), num(f, 'p50_ms'))} "
                  f"| {ratio(num(s, 'redo_bytes_per_sync'), num(f, 'redo_bytes_per_sync'))} | {'; '.join(notes)} |")
        rows_floor = rows.get(f"{p}-floorrows-1x1")
        if rows_floor:
            print(f"| floor variant: + 10 record rows upserted (1 client) | {flush} | | | | | {fmt(num(rows_floor, 'syncs_per_s'))} "
                  f"| {fmt(num(rows_floor, 'p50_ms'))} | {fmt(num(rows_floor, 'p99_ms'))} | {fmt(num(rows_floor, 'redo_bytes_per_sync'), 0)} | | | | |")
        small, big = rows.get(f"{p}-rest-size-{sizes[0]}") if sizes else None, rows.get(f"{p}-rest-size-{sizes[-1]}") if sizes else None
        if small and big:
            a, b = num(big, "p50_ms"), num(small, "p50_ms")
            r = a / b if a is not None and b and a == a and b == b else None
            targets.append((f"p50 of a sync on {sizes[-1]:,} / on {sizes[0]:,} records", flush, r, "≤ 1.5", verdict(r, 1.5, True)))
            a, b = num(big, "redo_bytes_per_sync"), num(small, "redo_bytes_per_sync")
            r = a / b if a is not None and b else None
            targets.append((f"redo per sync on {sizes[-1]:,} / on {sizes[0]:,} records", flush, r, "≤ 2", verdict(r, 2, True)))
        for label, st, ft in (("20 clients on 1 book: server / floor syncs/s", "rest-20x1", "floor-20x1"),
                              ("20 clients on 10 books: server / floor syncs/s", "rest-20x10", "floor-20x10")):
            r = rounds(rows, f"{p}-{st}", f"{p}-{ft}")[2]
            targets.append((label, flush, r, "≥ 0.5", verdict(r, 0.5, False)))
    print()
    print("| target (issue 9) | flush | measured | target | |")
    print("| --- | --- | ---: | --- | --- |")
    for label, flush, value, bound, result in targets:
        print(f"| {label} | {flush} | {fmt(value, 2)} | {bound} | {result} |")
    print()
    pages, whole = None, None
    for line in open(path, encoding="utf-8"):
        tag, _, rest = line.rstrip("\n").partition("\t")
        if tag != "firstsync":
            continue
        values = dict(re.findall(r"(\w+)=(\S+)", rest))
        if rest.startswith("firstsync-pages"):
            pages = values
        elif rest.startswith("firstsync-whole-get"):
            whole = values
    if pages or whole:
        print("| first sync of the big book | status | seconds | pages | records | MiB received | server RSS before → peak MiB |")
        print("| --- | --- | ---: | ---: | ---: | ---: | --- |")
        if pages and pages.get("skipped"):
            print("| snapshot pages (limit 1000) + changes since | not available on this server (404) | | | | | |")
        elif pages and pages.get("failed"):
            print(f"| snapshot pages | FAILED: probe answered {pages.get('status')} {pages.get('code')} | | | | | |")
        elif pages:
            print(f"| snapshot pages (limit {pages.get('limit', '?')}) + changes since | {pages.get('status')} | {pages.get('seconds')} "
                  f"| {pages.get('pages')} | {pages.get('records')} of {pages.get('expected')} | {pages.get('mib')} "
                  f"| {pages.get('rss_before_mib')} → {pages.get('peak_rss_mib')} |")
        if whole:
            print(f"| one GET /api/books/{{id}} | {whole.get('status')} | {whole.get('seconds')} | 1 | {whole.get('records')} "
                  f"| {whole.get('mib')} | {whole.get('rss_before_mib')} → {whole.get('peak_rss_mib')} |")
        print()
    for line in open(path, encoding="utf-8"):
        tag, _, rest = line.rstrip("\n").partition("\t")
        if tag in ("idle", "fanout", "hub"):
            print(f"- {rest}")


if __name__ == "__main__":
    main(sys.argv[1])
