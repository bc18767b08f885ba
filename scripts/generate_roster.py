#!/usr/bin/env python3
"""Generate Config/roster.yaml, nexd's roster of the African region, from the tables in Config/region/.

The tables (docs/REGION.md says what each column holds):

    countries.csv     iso,country,ncb_seat,seat_slug,regional_bureau   one NCB per country
    institutions.csv  id,role,country,name                             General Secretariat, regional bureaus, cyber centre
    crossings.csv     crossing,country_a,place_a,slug_a,country_b,place_b,slug_b   one border post per side
    posts.csv         id,country,name                                  one-sided border posts (airports)

Usage:

    python3 scripts/generate_roster.py             write Config/roster.yaml
    python3 scripts/generate_roster.py --check     exit 1 (with a diff summary) when Config/roster.yaml
                                                   is not what the tables generate; 0 when identical
    python3 scripts/generate_roster.py --output PATH

Exit status: 0 written or up to date, 1 out of date (--check), 2 a table is invalid (every problem is
listed with its file and line). Python 3.11 standard library only; the output depends on the tables
alone (no clock, no environment), so the same tables always give the same bytes.
"""
import argparse, csv, difflib, os, re, sys, tempfile
from dataclasses import dataclass

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REGION_DIR = os.path.join(ROOT, "Config", "region")
DEFAULT_OUTPUT = os.path.join(ROOT, "Config", "roster.yaml")

ISO = re.compile(r"[a-z]{2}")
SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
MAX_ID_BYTES = 64  # RosterEntry.isValidID (Sources/NexConfig/Roster.swift)
ROLE_ORDER = ["gs", "rb", "cyber", "ncb", "bcp"]
INSTITUTION_ROLES = {"gs", "rb", "cyber"}
# Ids that tests, docs and Config/nexd.yaml use: the generated roster must keep every one.
REQUIRED_IDS = [
    "gs.fr.lyon", "ncb.rw.kigali", "ncb.ug.kampala", "ncb.ke.nairobi", "ncb.tz.dar-es-salaam",
    "ncb.bi.bujumbura", "ncb.ss.juba", "ncb.et.addis-ababa", "ncb.cd.kinshasa", "rb.ke.nairobi",
    "bcp.rw.rusumo", "bcp.rw.gatuna", "bcp.ke.busia", "bcp.ke.malaba", "bcp.ke.namanga",
    "bcp.rw.kigali-airport", "cyber.rw.kigali",
]
HEADERS = {
    "countries.csv": ["iso", "country", "ncb_seat", "seat_slug", "regional_bureau"],
    "institutions.csv": ["id", "role", "country", "name"],
    "crossings.csv": ["crossing", "country_a", "place_a", "slug_a", "country_b", "place_b", "slug_b"],
    "posts.csv": ["id", "country", "name"],
}


@dataclass(frozen=True)
class Node:
    """One roster entry, as nexd reads it."""
    id: str
    role: str
    country: str
    name: str

    def sort_key(self):
        return (ROLE_ORDER.index(self.role), self.country, self.id)


class Problems:
    """Every problem found in the tables, each with its file and line."""

    def __init__(self):
        self.items = []

    def add(self, where, message):
        self.items.append(f"{where}: {message}")


def read_table(region_dir, file, problems):
    """The rows of one table as (where, dict) pairs; the header must be exactly HEADERS[file]."""
    path = os.path.join(region_dir, file)
    display = os.path.relpath(path, ROOT) if path.startswith(ROOT + os.sep) else path
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        problems.add(display, f"cannot read: {error}")
        return []
    if not rows or rows[0] != HEADERS[file]:
        problems.add(f"{display}:1", f"header must be exactly {','.join(HEADERS[file])}")
        return []
    records = []
    for number, row in enumerate(rows[1:], start=2):
        where = f"{display}:{number}"
        if len(row) != len(HEADERS[file]):
            problems.add(where, f"expected {len(HEADERS[file])} fields, found {len(row)}")
            continue
        record = dict(zip(HEADERS[file], row))
        for key, value in record.items():
            if value != value.strip() or any(ord(c) < 32 for c in value):
                problems.add(where, f"{key} {value!r} has surrounding spaces or control characters")
        records.append((where, record))
    return records


def check_id(node, where, problems):
    """The id is role.country.place in nexd's syntax, and agrees with the entry's role and country."""
    tokens = node.id.split(".")
    if len(node.id.encode()) > MAX_ID_BYTES:
        problems.add(where, f"id {node.id!r} is longer than {MAX_ID_BYTES} bytes")
    if len(tokens) != 3 or not all(SLUG.fullmatch(t) for t in tokens):
        problems.add(where, f"id {node.id!r} is not role.country.place (lowercase a-z, 0-9, - labels)")
        return
    if tokens[0] != node.role or tokens[1] != node.country:
        problems.add(where, f"id {node.id!r} does not start with its role and country ({node.role}.{node.country}.)")


def build(region_dir):
    """The roster nodes and the summary counts, or the list of problems."""
    problems = Problems()
    nodes = []  # (where, Node)
    countries = {}  # iso -> name
    country_rows = read_table(region_dir, "countries.csv", problems)
    for where, row in country_rows:
        iso = row["iso"]
        if not ISO.fullmatch(iso):
            problems.add(where, f"iso {iso!r} is not a lowercase ISO 3166-1 alpha-2 code")
        elif iso in countries:
            problems.add(where, f"iso {iso!r} appears twice")
        for key in ("country", "ncb_seat"):
            if not row[key]:
                problems.add(where, f"{key} is empty")
        if not SLUG.fullmatch(row["seat_slug"]):
            problems.add(where, f"seat_slug {row['seat_slug']!r} is not lowercase a-z, 0-9, - words")
        countries.setdefault(iso, row["country"])
        nodes.append((where, Node(f"ncb.{iso}.{row['seat_slug']}", "ncb", iso,
                                  f"NCB {row['ncb_seat']} ({row['country']})")))

    bureaus = set()
    for where, row in read_table(region_dir, "institutions.csv", problems):
        node = Node(row["id"], row["role"], row["country"], row["name"])
        if node.role not in INSTITUTION_ROLES:
            problems.add(where, f"role {node.role!r} must be one of {', '.join(sorted(INSTITUTION_ROLES))} "
                                "(NCBs come from countries.csv, border posts from crossings.csv and posts.csv)")
        if not ISO.fullmatch(node.country):
            problems.add(where, f"country {node.country!r} is not a lowercase ISO 3166-1 alpha-2 code")
        elif node.role != "gs" and node.country not in countries:
            problems.add(where, f"country {node.country!r} is not in countries.csv")
        if not node.name:
            problems.add(where, "name is empty")
        check_id(node, where, problems)
        if node.role == "rb":
            bureaus.add(node.id)
        nodes.append((where, node))

    for where, row in country_rows:
        bureau = row["regional_bureau"]
        if bureau and bureau not in bureaus:
            problems.add(where, f"regional_bureau {bureau!r} is not an rb in institutions.csv")

    crossing_rows = read_table(region_dir, "crossings.csv", problems)
    crossing_names = set()
    for where, row in crossing_rows:
        if not row["crossing"]:
            problems.add(where, "crossing is empty")
        elif row["crossing"] in crossing_names:
            problems.add(where, f"crossing {row['crossing']!r} appears twice")
        crossing_names.add(row["crossing"])
        if row["country_a"] == row["country_b"]:
            problems.add(where, f"both sides are in {row['country_a']!r}: a crossing joins two countries")
        sides = [("a", "b"), ("b", "a")]
        for side, other in sides:
            cc, place, slug = row[f"country_{side}"], row[f"place_{side}"], row[f"slug_{side}"]
            if cc not in countries:
                problems.add(where, f"country_{side} {cc!r} is not in countries.csv")
            if not place:
                problems.add(where, f"place_{side} is empty")
            if not SLUG.fullmatch(slug):
                problems.add(where, f"slug_{side} {slug!r} is not lowercase a-z, 0-9, - words")
            facing = countries.get(row[f"country_{other}"], row[f"country_{other}"])
            node = Node(f"bcp.{cc}.{slug}", "bcp", cc,
                        f"{place} border post ({countries.get(cc, cc)}, facing {facing})")
            check_id(node, where, problems)
            nodes.append((where, node))

    posts = read_table(region_dir, "posts.csv", problems)
    for where, row in posts:
        node = Node(row["id"], "bcp", row["country"], row["name"])
        if node.country not in countries:
            problems.add(where, f"country {node.country!r} is not in countries.csv")
        if not node.name:
            problems.add(where, "name is empty")
        check_id(node, where, problems)
        nodes.append((where, node))

    first_seen = {}
    for where, node in nodes:
        if node.id in first_seen:
            problems.add(where, f"id {node.id!r} is also generated by {first_seen[node.id]}")
        first_seen.setdefault(node.id, where)
    for required in REQUIRED_IDS:
        if required not in first_seen:
            problems.add("Config/region", f"{required!r} is missing; tests and docs use it")
    if problems.items:
        return None, None, problems.items

    roster = sorted({node.id: node for _, node in nodes}.values(), key=Node.sort_key)
    count = lambda role: sum(1 for node in roster if node.role == role)
    summary = (f"{len(countries)} countries, {count('ncb')} NCBs, {count('rb')} regional bureaus, "
               f"{len(crossing_rows)} crossings, {count('bcp')} border posts, {len(roster)} nodes")
    return roster, summary, []


def quoted(text):
    """A YAML double-quoted scalar."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render(roster, summary):
    """The roster file's text: a header, then one flow mapping per node in Config/nexd.yaml's style."""
    width = max(len(node.id) for node in roster) + 1
    headings = {"gs": "General Secretariat", "rb": "INTERPOL regional bureaus",
                "cyber": "Regional cybercrime centre", "ncb": "National Central Bureaus, by country",
                "bcp": "Border-control points, by country then place"}
    lines = [
        "# GENERATED by `python3 scripts/generate_roster.py` from Config/region/*.csv: do not edit by hand.",
        "# Change the tables in Config/region/ (docs/REGION.md) and run the script again;",
        "# `python3 scripts/generate_roster.py --check` fails while this file is out of date.",
        f"# {summary}.",
        "roster:",
    ]
    role = None
    for node in roster:
        if node.role != role:
            role = node.role
            lines.append(f"  # {headings[role]}")
        lines.append(f"  - {{ id: {node.id + ',':<{width}} role: {node.role + ',':<6} "
                     f"country: {node.country}, name: {quoted(node.name)} }}")
    return "\n".join(lines) + "\n"


def write_atomically(path, text):
    directory = os.path.dirname(os.path.abspath(path))
    fd, temporary = tempfile.mkstemp(dir=directory, prefix=".roster-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def check(path, text):
    """0 when the file at `path` is `text`; else 1, after a summary of the difference."""
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            current = handle.read()
    except (OSError, UnicodeDecodeError) as error:
        print(f"{path}: out of date: cannot read it ({error}); run python3 scripts/generate_roster.py", file=sys.stderr)
        return 1
    if current == text:
        return 0
    diff = list(difflib.unified_diff(current.splitlines(), text.splitlines(),
                                     fromfile=f"{path} (on disk)", tofile="generated from Config/region", lineterm=""))
    removed = sum(1 for line in diff if line.startswith("-") and not line.startswith("---"))
    added = sum(1 for line in diff if line.startswith("+") and not line.startswith("+++"))
    print(f"{path}: out of date ({removed} lines differ on disk, {added} generated); "
          "run python3 scripts/generate_roster.py", file=sys.stderr)
    for line in diff[:40]:
        print(line, file=sys.stderr)
    if len(diff) > 40:
        print(f"... {len(diff) - 40} more diff lines", file=sys.stderr)
    return 1


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Generate Config/roster.yaml from the region tables in Config/region/ (docs/REGION.md).")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 with a diff summary if the roster file differs from what would be generated")
    parser.add_argument("--output", metavar="PATH", default=DEFAULT_OUTPUT,
                        help="the roster file to write or check (default: Config/roster.yaml)")
    parser.add_argument("--region", metavar="DIR", default=REGION_DIR,
                        help="the directory holding the tables (default: Config/region)")
    args = parser.parse_args(argv)

    roster, summary, problems = build(args.region)
    if problems:
        for problem in problems:
            print(problem, file=sys.stderr)
        print(f"{len(problems)} problem(s) in the region tables; nothing written", file=sys.stderr)
        return 2
    text = render(roster, summary)
    shown = os.path.relpath(os.path.abspath(args.output), ROOT)
    shown = shown if not shown.startswith("..") else args.output
    if args.check:
        status = check(args.output, text)
        print(f"roster: {summary}; {shown} {'is up to date' if status == 0 else 'is OUT OF DATE'}")
        return status
    write_atomically(args.output, text)
    print(f"roster: {summary} -> {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
