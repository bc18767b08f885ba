#!/usr/bin/env python3
"""Summarise one Benchmarks/run session as a Markdown table: medians of the repeated runs,
targets and ratios, and each run's load average and CPU steal. Usage: summarise.py RESULTS_DIR
[S3,S7] (the second argument, when given and not empty, limits the table to those scenarios)."""
import glob, json, os, statistics, sys

d = sys.argv[1]
only = {n for n in (sys.argv[2] if len(sys.argv) > 2 else "").split(",") if n}

def shown(name):
    return not only or name in only

def reports(name):
    out = []
    for path in sorted(glob.glob(os.path.join(d, f"{name}.*.json"))):
        try:
            out.append(json.load(open(path)))
        except Exception:
            pass
    return out

def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None

def med(name, getter):
    return median([getter(r) for r in reports(name)])

def fmt(v, digits=0):
    if v is None:
        return "n/a"
    return f"{v:,.{digits}f}"

def ratio(a, b):
    return "n/a" if a is None or not b else f"{a / b:.2f}×"

def verdict(ok):
    return "n/a" if ok is None else ("met" if ok else "**not met**")

def read_speed(path):
    """verify/s from `openssl speed ... ecdsap256` output (last column of the nistp256 line)."""
    try:
        for line in open(path):
            if "nistp256" in line and "ecdsa" in line and "bits" in line:
                fields = line.split()
                return float(fields[-1])
    except OSError:
        pass
    return None

def mqtt(case):
    rates = []
    try:
        for line in open(os.path.join(d, "mosquitto.tsv")):
            f = line.strip().split("\t")
            if len(f) >= 4 and f[0] == case and f[3] != "nan":
                rates.append(float(f[3]))
    except OSError:
        pass
    return median(rates)

verify2 = read_speed(os.path.join(d, "speed-2core.txt"))
verify1 = read_speed(os.path.join(d, "speed-1core.txt"))
q1 = mqtt("qos1_1to1")
q0 = mqtt("qos0_1to10")

def lossless(name):
    rs = reports(name)
    if not rs:
        return None
    return all(r["lost"] == 0 and r["duplicated"] == 0 for r in rs)

def losses(name):
    """Lost/duplicated per run; a run that stopped before every notice was answered says so."""
    def one(r):
        incomplete = any(n.startswith("the run did not complete") for n in r.get("notes", []))
        return f"{r['lost']}/{r['duplicated']}" + (" (incomplete)" if incomplete else "")
    return ", ".join(one(r) for r in reports(name)) or "n/a"

s1 = med("S1", lambda r: r["noticesPerSecond"])
s1b = med("S1B", lambda r: r["noticesPerSecond"])
s1w = med("S1W", lambda r: r["noticesPerSecond"])
s2 = med("S2", lambda r: r["noticesPerSecond"])
s3 = med("S3", lambda r: r["deliveriesPerSecond"])
s4 = med("S4", lambda r: r["deliveriesPerSecond"])
s7 = med("S7", lambda r: r["deliveriesPerSecond"])
def tail(name):
    """Median publish→deliver p50, p99, p99.9 and max (ms) of a scenario's runs."""
    return [med(name, lambda r, k=k: r["publishToDeliver"][k]) for k in ("p50", "p99", "p999", "max")]

def disk(name):
    """The sustained disk probe's waiting p50, p99, p99.9 and max (ms) from run `name` (DISK or
    DISKT): arrivals due every millisecond, from due time to the end of the sync that served them,
    the open-loop figure S5's latency is compared with."""
    return [med(name, lambda r, k=k: (r.get("diskProbe") or {}).get(k)) for k in ("waitP50Millis", "waitP99Millis", "waitP999Millis", "waitMaxMillis")]

def disk_service(name):
    """The probe's write + fdatasync service time p99.9 and max (ms)."""
    return [med(name, lambda r, k=k: (r.get("diskProbe") or {}).get(k)) for k in ("p999Millis", "maxMillis")]

def ms4(values):
    return " / ".join(fmt(v, 2) for v in values)

def disk_text(name):
    rs = [r.get("diskProbe") for r in reports(name) if r.get("diskProbe")]
    if not rs:
        return "disk probe not run"
    p = rs[0]
    size = f"{p['bytes'] // 1024} KiB" if p['bytes'] % 1024 == 0 else f"{p['bytes']:,} B"
    return (f"disk probe ({p['filesystem']}, {p['seconds']:g} s, {p.get('arrivals', 0):,} arrivals, {p['samples']:,} × {size} + fdatasync) "
            f"waiting p50 / p99 / p99.9 / max {ms4(disk(name))} ms (sync p99.9 / max {ms4(disk_service(name))} ms)")

s5 = tail("S5")
s5t = tail("S5T")
s5h = tail("S5H")
d5 = disk("DISK")
d5t = disk("DISKT")
s5rate = med("S5", lambda r: r["deliveriesPerSecond"])
s5seconds = med("S5", lambda r: r["shape"]["countPerPublisher"] / r["shape"]["ratePerPublisher"]
                if (r.get("shape") or {}).get("ratePerPublisher") else None)
s6rss = med("S6", lambda r: (r.get("idle") or {}).get("nexdRSSMB"))
s6rate = med("S6", lambda r: (r.get("idle") or {}).get("connectionsPerSecond"))
s6conn = med("S6", lambda r: (r.get("idle") or {}).get("connected"))

def machine(name):
    """Each run's 1-minute load average before it and CPU steal during it, in run order."""
    out = []
    for path in sorted(glob.glob(os.path.join(d, f"machine-{name}.*.json"))):
        try:
            m = json.load(open(path))
        except Exception:
            continue
        steal = m.get("stealPercent")
        out.append(f"{m.get('load1', 'n/a')} / {'n/a' if steal is None else f'{steal:.1f}%'}")
    return ", ".join(out) or "n/a"

def cpu(name):
    n = med(name, lambda r: (r.get("cpu") or {}).get("nexd"))
    t = med(name, lambda r: (r.get("cpu") or {}).get("tool"))
    w = med(name, lambda r: (r.get("cpu") or {}).get("wall"))
    if n is None or not w:
        return "n/a"
    return f"nexd {100 * n / w:.0f}%, tool {100 * t / w:.0f}%"

if only and verify2 is None and q1 is None:
    print(f"Scenarios {', '.join(sorted(only))} only: openssl speed and Mosquitto not measured in this session.")
else:
    if only:
        print(f"Scenarios {', '.join(sorted(only))} only (with --anchors).")
    print(f"ECDSA P-256 verify (openssl speed, this session): 2 cores {fmt(verify2)}/s, 1 core {fmt(verify1)}/s")
    print(f"Mosquitto (mutual TLS, same payload): QoS 1 1→1 {fmt(q1)} msg/s, QoS 0 1→10 {fmt(q0)} deliveries/s"
          + ("" if q1 or q0 else " — not measured (install mosquitto mosquitto-clients)"))
print()
print("| scenario | measure (median of runs) | value | target | ratio | verdict | lost/dup per run | CPU (of one core) | load / steal per run |")
print("|---|---|---|---|---|---|---|---|---|")
def s12(name, value):
    ok = None
    if value is not None and verify2:
        ok = value >= 0.6 * verify2 and bool(lossless(name))
    return ok
if shown("S1"):
    print(f"| S1 1→1 closed loop | notices/s | {fmt(s1)} | ≥0.6× verify-2core, 0 lost/dup | "
          f"{ratio(s1, verify2)} verify, {ratio(s1, q1)} mqtt | {verdict(s12('S1', s1))} | {losses('S1')} | {cpu('S1')} | {machine('S1')} |")
if shown("S1B"):
    ok = None if s1b is None or s1 is None or q1 is None else (s1b >= 2 * s1 and s1b >= 1.2 * q1 and bool(lossless("S1B")))
    print(f"| S1B S1 batch-signed in 64s (window 512) | notices/s | {fmt(s1b)} | ≥2× S1 and ≥1.2× mqtt QoS 1 1→1 (stretch 2×), 0 lost/dup | "
          f"{ratio(s1b, s1)} S1, {ratio(s1b, q1)} mqtt, {ratio(s1b, verify2)} verify | {verdict(ok)} | {losses('S1B')} | {cpu('S1B')} | {machine('S1B')} |")
if shown("S1W"):
    print(f"| S1W S1 at window 512 (S1B's control, unbatched) | notices/s | {fmt(s1w)} | — | {ratio(s1b, s1w)} S1B/S1W | — | {losses('S1W')} | {cpu('S1W')} | {machine('S1W')} |")
if shown("S2"):
    print(f"| S2 10→10 pairs | notices/s | {fmt(s2)} | ≥0.6× verify-2core, 0 lost/dup | "
          f"{ratio(s2, verify2)} verify, {ratio(s2, q1)} mqtt | {verdict(s12('S2', s2))} | {losses('S2')} | {cpu('S2')} | {machine('S2')} |")
if shown("S3"):
    print(f"| S3 1→10 one topic | deliveries/s | {fmt(s3)} | ≥1.5× mqtt QoS0 1→10 | {ratio(s3, q0)} | "
          f"{verdict(None if s3 is None or q0 is None else s3 >= 1.5 * q0)} | {losses('S3')} | {cpu('S3')} | {machine('S3')} |")
if shown("S4"):
    print(f"| S4 1→100 one topic | deliveries/s | {fmt(s4)} | ≥ S3 | {ratio(s4, s3)} S3 | "
          f"{verdict(None if s4 is None or s3 is None else s4 >= s3)} | {losses('S4')} | {cpu('S4')} | {machine('S4')} |")
def within_disk(values, probe):
    """S5 on disk: p99.9 and max no worse than the disk probe's p99.9 and max plus 5 ms."""
    if None in (values[2], values[3], probe[2], probe[3]):
        return None
    return values[2] <= probe[2] + 5 and values[3] <= probe[3] + 5

if shown("S5"):
    print(f"| S5 open loop at ½ S1, {fmt(s5seconds)} s | publish→deliver p50 / p99 / p99.9 / max (ms) | {ms4(s5)} | "
          f"p99.9 ≤ disk waiting p99.9 + 5 ms, max ≤ disk waiting max + 5 ms | {disk_text('DISK')} | {verdict(within_disk(s5, d5))} | "
          f"{losses('S5')} | {cpu('S5')} | {machine('S5')} (probe {machine('DISK')}) |")
for name, label in (("S5B", "batched 64"), ("S5BL", "batched 64 with a 2 ms linger")):
    if shown(name):
        values = tail(name)
        seconds = med(name, lambda r: r["shape"]["countPerPublisher"] / r["shape"]["ratePerPublisher"]
                      if (r.get("shape") or {}).get("ratePerPublisher") else None)
        size = med(name, lambda r: (r.get("shape") or {}).get("batch"))
        written = [med(name, lambda r, k=k: (r.get("writeToDeliver") or {}).get(k)) for k in ("p50", "p99", "p999", "max")]
        nexd_part = f" (write→deliver, the fill left out: {ms4(written)})" if written[0] is not None else ""
        print(f"| {name} open loop at ½ S1B, {label} ({fmt(size)} per batch), {fmt(seconds)} s | publish→deliver from hand-over to the batcher p50 / p99 / p99.9 / max (ms) | {ms4(values)}{nexd_part} | "
              f"S5's: p99.9 ≤ disk waiting p99.9 + 5 ms, max ≤ disk waiting max + 5 ms | {disk_text('DISK')} | {verdict(within_disk(values, d5))} | "
              f"{losses(name)} | {cpu(name)} | {machine(name)} (probe {machine('DISK')}) |")
        if reports("DISKB"):
            print(f"| {name} against a probe at its own audit write rate (DISKB, D76) | the same | {ms4(values)} | "
                  f"p99.9 ≤ DISKB waiting p99.9 + 5 ms, max ≤ DISKB waiting max + 5 ms | {disk_text('DISKB')} | {verdict(within_disk(values, disk('DISKB')))} | "
                  f"— | — | (probe {machine('DISKB')}) |")
if shown("S5T"):
    ok = None if None in s5t else s5t[1] <= 5 and s5t[2] <= 10 and s5t[3] <= 25
    print(f"| S5T S5, audit directory on tmpfs (TMPDIR=/dev/shm) | publish→deliver p50 / p99 / p99.9 / max (ms) | {ms4(s5t)} | "
          f"p99 ≤ 5, p99.9 ≤ 10, max ≤ 25 ms | {disk_text('DISKT')} | {verdict(ok)} | {losses('S5T')} | {cpu('S5T')} | "
          f"{machine('S5T')} (probe {machine('DISKT')}) |")
if shown("S5H"):
    print(f"| S5H S5 with a CPU hog on one core | publish→deliver p50 / p99 / p99.9 / max (ms) | {ms4(s5h)} | none (reported) | "
          f"{ratio(s5h[2], s5[2])} S5's p99.9 | — | {losses('S5H')} | {cpu('S5H')} | {machine('S5H')} |")
if shown("S6"):
    print(f"| S6 5,000 idle nodes | nexd VmRSS (MB) · connections/s | {fmt(s6rss, 1)} · {fmt(s6rate)} ({fmt(s6conn)} connected) | RSS ≤ 250 MB | "
          f"{fmt(s6rss / s6conn * 1000 if s6rss and s6conn else None, 1)} KB per connection | {verdict(None if s6rss is None else s6rss <= 250)} | — | — | {machine('S6')} |")

def stalled_fates(name):
    """What became of the stalled subscribers, over the runs: closed by nexd or still connected."""
    closed = connected = 0
    received, expected = [], []
    for r in reports(name):
        for node in r.get("stalledSubscribers") or []:
            if node.get("fate") == "closed":
                closed += 1
            else:
                connected += 1
            received.append(node.get("received", 0))
            expected.append(node.get("expected", 0))
    if not closed + connected:
        return "n/a"
    return (f"stalled subscriber: closed by nexd {closed}×, still connected {connected}×; "
            f"it received {fmt(median(received))} of {fmt(median(expected))} notices (median)")

if shown("S7"):
    print(f"| S7 1→10 one topic + 1 stalled subscriber | deliveries/s of the 10 | {fmt(s7)} | ≥0.9× S3 (same session) | "
          f"{ratio(s7, s3)} S3; {stalled_fates('S7')} | {verdict(None if s7 is None or s3 is None else s7 >= 0.9 * s3)} | "
          f"{losses('S7')} | {cpu('S7')} | {machine('S7')} |")
def storm(key):
    return med("S8", lambda r: (r.get("reconnectStorm") or {}).get(key))

if shown("S8"):
    s8 = med("S8", lambda r: r["deliveriesPerSecond"])
    posts = storm("posts")
    delivered = med("S8", lambda r: r["delivered"])
    print(f"| S8 reconnect storm: {fmt(posts)} durable posts offline, {fmt(med('S8', lambda r: r['shape']['countPerPublisher']))} notices, "
          f"all reconnect | drain deliveries/s · drain s · nexd RSS before / peak / after (MB) | {fmt(s8)} · {fmt(storm('drainSeconds'), 2)} s "
          f"({fmt(delivered)} deliveries) · {fmt(storm('nexdRSSBeforeMB'), 1)} / {fmt(storm('nexdRSSPeakMB'), 1)} / {fmt(storm('nexdRSSAfterMB'), 1)} "
          f"| 0 lost | {ratio(s8, s3)} S3 | {verdict(None if not reports('S8') else all(r['lost'] == 0 for r in reports('S8')))} | "
          f"{losses('S8')} | {cpu('S8')} | {machine('S8')} |")
if shown("S9"):
    s9 = [med("S9", lambda r, k=k: (r.get("urgentPublishToDeliver") or {}).get(k)) for k in ("p50", "p99", "p999", "max")]
    s9routine = med("S9", lambda r: r["publishToDeliver"]["p50"])
    s9ack = med("S9", lambda r: (r.get("urgentPublishToAck") or {}).get("p50"))
    s9rate = med("S9", lambda r: r["deliveriesPerSecond"])
    ok = None if s9[0] is None or s5[0] is None else s9[0] <= 2 * s5[0]
    print(f"| S9 S3 (routine) + urgent notices at 20/s from a second publisher to the same 10 | urgent publish→deliver p50 / p99 / p99.9 / max (ms) | "
          f"{ms4(s9)} | urgent p50 ≤ 2× S5's p50 (same session) | {ratio(s9[0], s5[0])} S5 p50; urgent publish→ack p50 {fmt(s9ack, 2)} ms (the wait before the delivery lanes); routine p50 {fmt(s9routine, 2)} ms; "
          f"{fmt(s9rate)} deliveries/s ({ratio(s9rate, s3)} S3) | {verdict(ok)} | {losses('S9')} | {cpu('S9')} | {machine('S9')} |")
rates = [(n, med(n, lambda r: r["deliveriesPerSecond"])) for n in ("S5", "S5T", "S5H")]
rates = [(n, v) for n, v in rates if v is not None and shown(n)]
if rates:
    print()
    print("Delivered (offered: half of S1's median): " + ", ".join(f"{n} {fmt(v)}/s" for n, v in rates) + ".")
print()
print("Load / steal: the 1-minute load average from /proc/loadavg just before each run, and the CPU "
      "steal during it (the `cpu` line's steal jiffies as a share of all jiffies, /proc/stat).")
