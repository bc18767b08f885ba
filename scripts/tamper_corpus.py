#!/usr/bin/env python3
"""Builds a corpus of tampered copies of a real audit log, as an attacker without any key would.

    scripts/tamper_corpus.py SOURCE_AUDIT_DIR OUT_DIR

SOURCE_AUDIT_DIR is a clean-stopped log (it ends with `stop` and its checkpoint) with at least one
accepted publish. Each case is written to OUT_DIR/<name>/ (a copy of the audit directory, changed),
and OUT_DIR/cases.json lists them: `name`, `description`, `arguments` (extra verifier options, e.g.
`--no-signatures`), `expectedStatus` (the exit status of a verifier that implements docs/AUDIT.md
§Verification) and `expectedNamed` (the first `record N`, `witness LABEL` or `file NAME` in its
verdict line, or null). A format-6 log with a `batch` record followed by a notice of its
batch also gets cases that tamper with batch signatures (docs/AUDIT.md §Batch signatures); an older
log gets none.

The script never reads a private key: a forged notice is signed with a key it makes up, and a
forged checkpoint carries junk for a signature. Re-chaining a changed log (new `seq`, `prev`,
`hash`) needs no key, which is why checkpoints, witnesses and certificate chains exist.
"""
import base64, calendar, datetime, hashlib, json, os, re, shutil, struct, sys, time, uuid

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

SEGMENT = re.compile(r"^segment-(\d{12,})\.jsonl$")
ENVELOPE_DOMAIN = b"NoticeExchange\x00v1\x00env"
BATCH_DOMAIN = b"NoticeExchange\x00v1\x00batch"
FORMAT_VERSION = 6  # the audit format the verifiers implement (docs/AUDIT.md §Versioning)
NEWER_FORMAT = FORMAT_VERSION + 1  # a format they must refuse to vouch for (CANNOT VERIFY)
SUFFIX_LEN, PREV_LEN = 75, 74  # ,"hash":"<64 hex>"}   ,"prev":"<64 hex>"
FORGED_NOTICE = json.dumps({
    "kind": "red", "fictional": True,
    "subject": {"family_name": "FORGED-FICTIVE", "forenames": "Nobody Example", "sex": "M",
                "date_of_birth": "1970-01-01", "nationalities": ["fr"]},
    "charges": ["A notice no General Secretariat issued (tamper corpus)"],
}, separators=(",", ":")).encode()


# --- Lines ----------------------------------------------------------------------------------------
# A record line is {"seq":N,<body>,"prev":"<64 hex>","hash":"<64 hex>"}; edits keep every other byte.

def body_of(line):
    head = re.match(rb'\{"seq":\d+,', line)
    return line[head.end():-(SUFFIX_LEN + PREV_LEN)]


def make_line(seq, body, prev):
    core = b'{"seq":%d,%s,"prev":"%s"}' % (seq, body, prev.encode())
    return core[:-1] + b',"hash":"%s"}' % hashlib.sha256(core).hexdigest().encode()


def rechain(bodies):
    """Lines numbered from 1 with the chain recomputed: exactly what an attacker can do."""
    lines, prev = [], "0" * 64
    for seq, body in enumerate(bodies, 1):
        line = make_line(seq, body, prev)
        prev = line[-66:-2].decode()
        lines.append(line)
    return lines


def millis(text):
    t = datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ")
    return calendar.timegm(t.utctimetuple()) * 1000 + t.microsecond // 1000


def rfc3339(ms):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + ".%03dZ" % (ms % 1000)


def with_time(body, text):
    return re.sub(rb'"time":"[^"]*"', b'"time":"%s"' % text.encode(), body, count=1)


def json_body(members):
    """The body of a new record: members in the order given, compact, like nexd writes them."""
    return json.dumps(members, separators=(",", ":"), ensure_ascii=False).encode()[1:-1]


# --- Merkle tree (RFC 6962), for a checkpoint forged without the audit key -----------------------

def tree_frontier(lines):
    hashes = []
    for size, line in enumerate(lines):
        h = hashlib.sha256(b"\x00" + line).digest()
        while size & 1:
            h = hashlib.sha256(b"\x01" + hashes.pop() + h).digest()
            size >>= 1
        hashes.append(h)
    root = hashes[-1] if hashes else hashlib.sha256(b"").digest()
    for h in reversed(hashes[:-1]):
        root = hashlib.sha256(b"\x01" + h + root).digest()
    return root.hex(), [h.hex() for h in hashes]


# --- Forgeries ------------------------------------------------------------------------------------

def forged_certificate(node, issuer, not_before_ms):
    """A fresh P-256 key and a certificate for it: self-signed unless `issuer` (a Name) is given,
    in which case it claims that issuer (a same-subject fake CA) but is still signed by its own key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "NoticeExchange development (not for production)"),
                      x509.NameAttribute(NameOID.COMMON_NAME, node)])
    start = datetime.datetime.utcfromtimestamp(not_before_ms // 1000) - datetime.timedelta(days=1)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(issuer or name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(start)
            .not_valid_after(start + datetime.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
            .sign(key, hashes.SHA256()))
    return key, cert


def forged_envelope(key, sender, topic, kind, issued_ms):
    """docs/PROTOCOL.md §3: body ‖ u16 signature length ‖ signature; no restrictions, ECDSA (1)."""
    def str16(text):
        data = text.encode()
        return struct.pack(">H", len(data)) + data
    msg = bytearray(struct.pack(">Q", issued_ms)[2:] + os.urandom(10))
    msg[6], msg[8] = 0x70 | (msg[6] & 0x0F), 0x80 | (msg[8] & 0x3F)  # UUIDv7 version and variant
    body = (b"\x01" + bytes(msg) + str16(sender) + str16(topic) + str16(kind) + struct.pack(">q", issued_ms)
            + struct.pack(">HHHH", 0, 0, 0, 0) + b"\x01" + struct.pack(">I", len(FORGED_NOTICE)) + FORGED_NOTICE)
    signature = key.sign(ENVELOPE_DOMAIN + body, ec.ECDSA(hashes.SHA256()))
    return str(uuid.UUID(bytes=bytes(msg))), body, body + struct.pack(">H", len(signature)) + signature


def forged_publish_pair(records, conn, issuer=None):
    """A `certificate` record and an accepted Red Notice `publish` from gs.fr.lyon, signed with a
    key the script made up, stamped with the last record's time (so time order holds)."""
    stamp = records[-1]["time"]
    ms = millis(stamp)
    key, cert = forged_certificate("gs.fr.lyon", issuer, ms)
    der = cert.public_bytes(serialization.Encoding.DER)
    fp = hashlib.sha256(der).hexdigest()
    msg, body, wire = forged_envelope(key, "gs.fr.lyon", "notice.red.rw", "red", ms)
    certificate = json_body({"time": stamp, "event": "certificate", "detail": cert.subject.rfc4514_string(),
                             "node": "gs.fr.lyon", "cert": fp, "certificate": base64.b64encode(der).decode()})
    publish = json_body({"time": stamp, "event": "publish", "outcome": "accepted", "conn": conn, "node": "gs.fr.lyon",
                         "country": "fr", "peer": "127.0.0.1:50123", "cert": fp, "msg": msg, "topic": "notice.red.rw",
                         "kind": "red", "issuedAt": stamp,
                         "digest": hashlib.sha256(ENVELOPE_DOMAIN + body).hexdigest(),
                         "envelope": base64.b64encode(wire).decode()})
    return [certificate, publish]


# --- The source log and writing a case --------------------------------------------------------------

class Source:
    def __init__(self, directory):
        self.directory = directory
        names = sorted((int(m.group(1)), n) for n in os.listdir(directory) for m in [SEGMENT.match(n)] if m)
        self.lines, self.segment_of = [], []
        for index, (_, name) in enumerate(names):
            with open(os.path.join(directory, name), "rb") as f:
                data = f.read()
            if data and not data.endswith(b"\n"):
                sys.exit("tamper_corpus: %s has a torn tail; give a clean-stopped log" % name)
            for line in data.split(b"\n")[:-1]:
                self.lines.append(line)
                self.segment_of.append(index)
        self.records = [json.loads(line) for line in self.lines]
        events = [r["event"] for r in self.records]
        if events[-2:] != ["stop", "checkpoint"]:
            sys.exit("tamper_corpus: the log does not end with a clean stop (stop, then its checkpoint)")
        self.publishes = [r for r in self.records if r["event"] == "publish" and r.get("outcome") == "accepted"]
        if not self.publishes:
            sys.exit("tamper_corpus: the log has no accepted publish")

    def bodies(self):
        return [body_of(line) for line in self.lines]


def write_case(out, name, source, lines, segment_of=None, checkpoint_json=True, torn=b"", segment_names=None):
    """Copies the source directory to OUT/name and replaces its segments with `lines`, grouped as
    in the source (records past the source's end join the last segment), each segment named after
    its first sequence."""
    target = os.path.join(out, name)
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source.directory, target, symlinks=True)
    for n in os.listdir(target):
        if SEGMENT.match(n):
            os.remove(os.path.join(target, n))
    if not checkpoint_json and os.path.lexists(os.path.join(target, "checkpoint.json")):
        os.remove(os.path.join(target, "checkpoint.json"))
    segment_of = list(segment_of if segment_of is not None else source.segment_of)
    segment_of += [segment_of[-1]] * (len(lines) - len(segment_of))
    groups = {}
    for seq, (line, segment) in enumerate(zip(lines, segment_of), 1):
        groups.setdefault(segment, (seq, []))[1].append(line)
    last = max(groups)
    for segment, (first, group) in sorted(groups.items()):
        file_name = (segment_names or {}).get(first, "segment-%012d.jsonl" % first)
        with open(os.path.join(target, file_name), "wb") as f:
            f.write(b"\n".join(group) + b"\n" + (torn if segment == last else b""))
    os.chmod(target, 0o700)
    return target


def build(source, out):
    lines, records, bodies = source.lines, source.records, source.bodies()
    count = len(lines)
    cases = []

    def case(name, description, status, named, *args, arguments=(), **kwargs):
        write_case(out, name, source, *args, **kwargs)
        cases.append({"name": name, "description": description, "arguments": list(arguments),
                      "expectedStatus": status, "expectedNamed": named})

    checkpoints = [r["seq"] for r in records if r["event"] == "checkpoint"]
    crashed = lines[:-2]  # the final stop and its checkpoint gone: a crash-like tail
    sealed_after_crash = max([s for s in checkpoints if s <= len(crashed)], default=0)
    conns = [r["conn"] for r in records if type(r.get("conn")) is int]
    fresh_conn = max(conns, default=0) + 1

    case("base", "the copy, untouched", 0, None, lines)

    dropped_conn = source.publishes[0]["conn"]
    kept = [(b, s) for b, r, s in zip(bodies, records, source.segment_of)
            if r["event"] != "checkpoint" and r.get("conn") != dropped_conn]
    case("dropped-checkpoints",
         "every checkpoint record and every record of connection %d (an accepted publish's) dropped, the rest "
         "renumbered and re-chained, checkpoint.json deleted: nothing vouches for any record" % dropped_conn,
         4, "record 1", rechain([b for b, _ in kept]), [s for _, s in kept], checkpoint_json=False)

    case("junk-checkpoint-json", "checkpoint.json's signature replaced by random bytes of the same length",
         1, "witness checkpoint.json", lines)
    path = os.path.join(out, "junk-checkpoint-json", "checkpoint.json")
    with open(path) as f:
        witness = json.load(f)
    witness["signature"] = base64.b64encode(os.urandom(len(base64.b64decode(witness["signature"])))).decode()
    with open(path, "w") as f:
        json.dump(witness, f, separators=(",", ":"))

    case("forged-publish-after-stop",
         "a certificate record (self-signed, CN=gs.fr.lyon, clientAuth) and an accepted Red Notice signed with its "
         "key, chained after the final checkpoint of the clean stop",
         1, "record %d" % (count + 1), rechain(bodies + forged_publish_pair(records, fresh_conn)))

    case("forged-publish-after-crash",
         "the final stop and its checkpoint removed, checkpoint.json deleted (a crash-like tail), then the same "
         "forged certificate and publish chained on: only the certificate chain check catches it",
         1, "record %d" % (len(crashed) + 1),
         rechain(bodies[:-2] + forged_publish_pair(records[:-2], fresh_conn)), checkpoint_json=False)

    issuer = x509.load_der_x509_certificate(base64.b64decode(
        next(r for r in records if r["event"] == "certificate")["certificate"])).issuer
    case("fake-ca-publish-after-crash",
         "as forged-publish-after-crash, but the forged certificate names the real CA as its issuer (a "
         "same-subject fake CA): only the CA's signature over the certificate catches it",
         1, "record %d" % (len(crashed) + 1),
         rechain(bodies[:-2] + forged_publish_pair(records[:-2], fresh_conn, issuer)), checkpoint_json=False)

    connect = next(i for i, r in enumerate(records) if r["event"] == "connect")
    case("record-after-clean-stop",
         "a copy of record %d (connect), renumbered and stamped with the last time, chained after the final "
         "checkpoint of the clean stop" % (connect + 1),
         1, "record %d" % (count + 1), rechain(bodies + [with_time(bodies[connect], records[-1]["time"])]))

    if os.path.exists(os.path.join(source.directory, "index", "messages.idx")):
        case("corrupt-index", "index/messages.idx: the first entry's offset set to 2^63+5 (the index is not "
             "part of the verified record)", 0, None, lines)
        path = os.path.join(out, "corrupt-index", "index", "messages.idx")
        with open(path, "r+b") as f:
            if len(f.read()) >= 8 + 24:
                f.seek(8 + 16)
                f.write(struct.pack(">Q", 2**63 + 5))

    back = next(i for i in range(count // 2, count) if records[i]["event"] != "checkpoint")
    earlier = rfc3339(millis(records[back - 1]["time"]) - 1000)
    case("time-goes-back",
         "record %d's time set 1 s before its predecessor's (%s), the chain re-hashed from there on" % (back + 1, earlier),
         1, "record %d" % (back + 1), rechain(bodies[:back] + [with_time(bodies[back], earlier)] + bodies[back + 1:]))

    if sealed_after_crash < len(crashed):
        case("crash-tail", "the final stop and its checkpoint removed, checkpoint.json deleted (as after a crash)",
             4, "record %d" % (sealed_after_crash + 1), crashed, checkpoint_json=False)
    else:  # a periodic checkpoint right before the stop still seals everything left
        case("crash-tail", "the final stop and its checkpoint removed, checkpoint.json deleted (as after a crash); "
             "the checkpoint before the stop still seals every record left", 0, None, crashed, checkpoint_json=False)

    case("truncated", "the final stop and its checkpoint removed, checkpoint.json kept: a truncation at a "
         "record boundary that the witness catches", 1, "witness checkpoint.json", crashed)

    torn = lines[-1][:len(lines[-1]) // 2]
    case("torn-tail", "half of a copy of the final record appended without a line end", 3,
         "record %d" % (count + 1), lines, torn=torn)

    # The first record after the last remaining checkpoint (0-based), else the last one before it:
    # the format check names the record itself, before any checkpoint could.
    victim = sealed_after_crash if sealed_after_crash < len(crashed) else len(crashed) - 2
    future = bodies[victim] + b',"future":1'
    case("unknown-member",
         "crash-tail, then a member \"future\":1 added to record %d (the first unsealed one), chain re-hashed"
         % (victim + 1), 2, "record %d" % (victim + 1),
         rechain(bodies[:victim] + [future] + bodies[victim + 1:-2]), checkpoint_json=False)

    declared = re.search(rb'"format":[0-9]+,', bodies[0])
    if declared:
        start = bodies[0].replace(declared.group(0), b'"format":%d,' % NEWER_FORMAT, 1)
    else:
        start = bodies[0].replace(b'"event":"start"', b'"event":"start","format":%d' % NEWER_FORMAT, 1)
    case("format-%d" % NEWER_FORMAT, "the first start record claims \"format\":%d, chain re-hashed" % NEWER_FORMAT, 2,
         "record 1", rechain([start] + bodies[1:]))
    twice = bodies[0].replace(b'"event":"start"', b'"event":"start","event":"stop"', 1)
    case("duplicate-member", "the first record names \"event\" twice (parsers disagree on which wins), chain "
         "re-hashed", 1, "record 1", rechain([twice] + bodies[1:]))

    flip = count // 2
    flipped = bytearray(lines[flip])
    flipped[12] ^= 0x01  # in the name of the "time" member
    case("flipped-byte", "one byte of record %d flipped, nothing re-hashed" % (flip + 1), 1,
         "record %d" % (flip + 1), lines[:flip] + [bytes(flipped)] + lines[flip + 1:])

    target = next(i for i, r in enumerate(records) if r["event"] == "connect" and r.get("peer"))
    rewritten = bodies[target].replace(b'"peer":"%s"' % records[target]["peer"].encode(), b'"peer":"198.51.100.7:4242"', 1)
    covering = min(s for s in checkpoints if s > target + 1)
    case("rehashed-rewrite",
         "record %d's peer rewritten and the whole chain re-hashed: the checkpoint covering it (record %d) no "
         "longer matches" % (target + 1, covering), 1, "record %d" % covering,
         rechain(bodies[:target] + [rewritten] + bodies[target + 1:]))

    root, frontier = tree_frontier(crashed)
    signature = base64.b64encode(os.urandom(71)).decode()
    checkpoint = json_body({"time": records[-3]["time"], "event": "checkpoint", "size": len(crashed), "root": root,
                            "cert": records[-1]["cert"], "signature": signature, "frontier": frontier})
    case("forged-checkpoint",
         "crash-tail, then a checkpoint record with the right size, root and frontier and the real audit "
         "certificate's fingerprint, but a junk signature", 1, "record %d" % (len(crashed) + 1),
         rechain(bodies[:-2] + [checkpoint]), checkpoint_json=False)
    non_canonical_cases(case, source, out, sealed_after_crash)
    batch_cases(case, source)
    return cases


def rewrite_witness(out, name, edit):
    """Replaces OUT/name/checkpoint.json's text with edit(text)."""
    path = os.path.join(out, name, "checkpoint.json")
    with open(path, "rb") as f:
        text = f.read()
    os.remove(path)
    with open(path, "wb") as f:
        f.write(edit(text))


def non_canonical_cases(case, source, out, sealed_after_crash):
    """docs/AUDIT.md §Canonical form: the same content in other bytes than nexd's writer makes, and
    the other places where the verifiers once read different values (review findings H2, M1-M7)."""
    lines, records, bodies = source.lines, source.records, source.bodies()
    count = len(lines)
    final, final_body = count, bodies[-1]
    crashed = lines[:-2]

    def final_checkpoint(name, description, status, edit, **kwargs):
        changed = edit(final_body)
        assert changed != final_body, name
        case(name, "the final checkpoint record (record %d) %s, its hash recomputed" % (final, description), status,
             "record %d" % final if status else None, lines[:-1] + [make_line(final, changed, lines[-2][-66:-2].decode())],
             **kwargs)

    note = b',"reason":"sealed-after-crash","detail":"covers records 1\xe2\x80\xa6%d written before a crash; attacker text"' % (count - 1)
    final_checkpoint("checkpoint-note-added", "given a crash seal's reason and a detail of another form (a "
                     "checkpoint carries them only as a signed crash seal)", 1, lambda b: b.replace(b'"event":"checkpoint"', b'"event":"checkpoint"' + note, 1))
    relabel = (b',"reason":"sealed-after-crash","detail":"covers records 1\xe2\x80\xa6%d written before a crash (no clean '
               b'stop); re-verified by nexd at start-up"' % (count - 1))
    final_checkpoint("checkpoint-relabelled", "relabelled as a crash seal in exactly a seal's form (a seal is signed "
                     "in its own domain, over its label)", 1,
                     lambda b: b.replace(b'"event":"checkpoint"', b'"event":"checkpoint"' + relabel, 1))
    final_checkpoint("checkpoint-note-added-speed", "given a crash seal's reason and a detail of another form, "
                     "verified with --no-signatures", 1,
                     lambda b: b.replace(b'"event":"checkpoint"', b'"event":"checkpoint"' + note, 1),
                     arguments=["--no-signatures"])
    final_checkpoint("checkpoint-extra-member", 'given "node":"gs.fr.lyon" (no member of a checkpoint record)', 1,
                     lambda b: b.replace(b'"event":"checkpoint"', b'"event":"checkpoint","node":"gs.fr.lyon"', 1))
    final_checkpoint("checkpoint-whitespace", "given a space after a colon", 1,
                     lambda b: b.replace(b'"size":', b'"size": ', 1))
    final_checkpoint("checkpoint-escaped-name", r'with its "event" member named "\u0065vent"', 1,
                     lambda b: b.replace(b'"event":', b'"\\u0065vent":', 1))
    final_checkpoint("checkpoint-escaped-value", r'with the first character of "signature" written as a \u escape', 1,
                     lambda b: re.sub(rb'"signature":"([A-Za-z0-9+/=])', lambda m: b'"signature":"\\u%04x' % m.group(1)[0], b, count=1))
    final_checkpoint("checkpoint-size-float", 'with "size":%d.0' % (count - 1), 1,
                     lambda b: b.replace(b'"size":%d,' % (count - 1), b'"size":%d.0,' % (count - 1), 1))
    final_checkpoint("checkpoint-root-uppercase", 'with its "root" in uppercase hex (the same bytes)', 1,
                     lambda b: re.sub(rb'"root":"([0-9a-f]{64})"', lambda m: b'"root":"%s"' % m.group(1).upper(), b, count=1))
    final_checkpoint("checkpoint-time-no-fraction", "with its time written without milliseconds (the same instant "
                     "when they are .000)", 1, lambda b: re.sub(rb'"time":"([^"]{19})\.[0-9]{3}Z"', rb'"time":"\1Z"', b, count=1))

    # M1: times only the writer's form, with a real date.
    for name, text in [("time-slashes", "2026/12/02 07:26:10.000Z"), ("time-leap-second", "2026-12-31T23:59:60.000Z"),
                       ("time-february-30", "2026-02-30T00:00:00.000Z")]:
        first = with_time(bodies[0], text)
        case(name, "the first record's time set to %s, chain re-hashed" % text, 1, "record 1",
             rechain([first] + bodies[1:]))

    # M2: the head every record has, read at fixed places, must be what the parse says.
    middle = next(i for i in range(count // 2, count) if records[i]["event"] not in ("checkpoint", "start", "certificate"))
    escaped = bodies[middle].replace(b'"event":', b'"\\u0065vent":', 1)
    case("event-escaped", r'record %d: its "event" member named "\u0065vent", chain re-hashed' % (middle + 1), 1,
         "record %d" % (middle + 1), rechain(bodies[:middle] + [escaped] + bodies[middle + 1:]))
    moved = b'{"prev":"%s","seq":1,%s}' % (b"0" * 64, bodies[0])
    moved = moved[:-1] + b',"hash":"%s"}' % hashlib.sha256(moved).hexdigest().encode()
    case("prev-moved", 'record 1 with "prev" moved to the front (the hash recomputed over it), the rest as it was', 1,
         "record 1", [moved] + lines[1:])

    # M3: format is a plain integer 1…6 (7 and up: a newer verifier is needed; format-7 above).
    # `declared` is the source's first start record's "format":N, (5 or 6 as nexd writes them).
    declared = re.search(rb'"format":[0-9]+,', bodies[0])
    for name, value in [("format-float", b"2.0"), ("format-true", b"true"), ("format-null", b"null"), ("format-zero", b"0"),
                        ("format-negative", b"-1"), ("format-nan", b"NaN"), ("format-huge", b"1e400")]:
        if not declared:
            break
        start = bodies[0].replace(declared.group(0), b'"format":%s,' % value, 1)
        case(name, 'the first start record claims "format":%s, chain re-hashed' % value.decode(), 1, "record 1",
             rechain([start] + bodies[1:]))
    if declared:
        case("format-float-speed", 'format-float, verified with --no-signatures (start records are always parsed)', 1,
             "record 1", rechain([bodies[0].replace(declared.group(0), declared.group(0)[:-1] + b'.0,', 1)] + bodies[1:]),
             arguments=["--no-signatures"])
        case("format-%d-speed" % NEWER_FORMAT, 'the first start record claims "format":%d, verified with --no-signatures'
             % NEWER_FORMAT, 2, "record 1",
             rechain([bodies[0].replace(declared.group(0), b'"format":%d,' % NEWER_FORMAT, 1)] + bodies[1:]),
             arguments=["--no-signatures"])
        # A format-2 run holds no format-3 content: the inbox event below would be CANNOT VERIFY.
        case("format-2-run-with-inbox-event", 'the first start record claims "format":2 and an "inbox" record follows it, '
             'chain re-hashed', 2, "record 2",
             rechain([bodies[0].replace(declared.group(0), b'"format":2,', 1),
                      bodies[1].replace(b'"event":"%s"' % records[1]["event"].encode(), b'"event":"inbox"', 1)] + bodies[2:]),
             arguments=["--no-signatures"])
        # A format-4 run holds no format-5 content: an accepted publish's expiresAt (D61).
        accepted = next((i for i, r in enumerate(records) if r["event"] == "publish" and r.get("outcome") == "accepted"), None)
        if accepted is not None:
            dated = bodies[accepted].replace(b',"digest":', b',"expiresAt":"2030-01-01T00:00:00.000Z","digest":', 1)
            # The checkpoints (and format-6 batch records) before it dropped (they would name the changed start
            # record, or themselves, first), the log cut after it.
            kept = [bodies[0].replace(declared.group(0), b'"format":4,', 1)] + [
                body for body, record in zip(bodies[1:accepted], records[1:accepted])
                if record["event"] not in ("checkpoint", "batch")]
            case("format-4-run-with-expires-at", 'the first start record claims "format":4, the checkpoints (and batch '
                 'records) before the first accepted publish dropped, and that publish has "expiresAt" (format 5); the log '
                 'cut after it, chain re-hashed',
                 2, "record %d" % (len(kept) + 1), rechain(kept + [dated]), checkpoint_json=False)

    # The split of --no-signatures: a non-canonical record it does not parse is invisible to it.
    unsealed = [i for i in range(sealed_after_crash, len(crashed))
                if records[i]["event"] not in ("checkpoint", "start", "certificate")]
    if unsealed:
        victim = unsealed[0]
        head = re.match(rb'"time":"[^"]*","event":"[^"]*"', bodies[victim]).end()
        spaced = bodies[victim][:head] + bodies[victim][head:].replace(b',"', b', "', 1)  # a space after the head
        tail = rechain(bodies[:victim] + [spaced] + bodies[victim + 1:-2])
        case("noncanonical-unsealed", "crash-tail, then a space put into record %d (%s, unsealed), chain re-hashed"
             % (victim + 1, records[victim]["event"]), 1, "record %d" % (victim + 1), tail, checkpoint_json=False)
        case("noncanonical-unsealed-speed", "noncanonical-unsealed, verified with --no-signatures: it parses only "
             "start, certificate and checkpoint records, so it sees only the unsealed tail", 4,
             "record %d" % (sealed_after_crash + 1), tail, checkpoint_json=False, arguments=["--no-signatures"])

    # M4: checkpoint.json in exactly the form nexd writes, and any entry of that name counts.
    for name, description, edit in [
        ("witness-no-version", 'checkpoint.json without "version"', lambda t: t.replace(b'"version":1,', b"", 1)),
        ("witness-size-float", 'checkpoint.json with "size":%d.9' % (count - 1),
         lambda t: re.sub(rb'"size":([0-9]+)', rb'"size":\1.9', t, count=1)),
        ("witness-spaces", "checkpoint.json with a space after each comma", lambda t: t.replace(b",", b", ")),
        ("witness-two-line-ends", "checkpoint.json followed by a second line end", lambda t: t.rstrip(b"\n") + b"\n\n"),
    ]:
        case(name, description, 1, "witness checkpoint.json", lines)
        rewrite_witness(out, name, edit)
    case("witness-dangling-symlink", "checkpoint.json replaced by a symbolic link to a file that does not exist", 1,
         "witness checkpoint.json", lines)
    path = os.path.join(out, "witness-dangling-symlink", "checkpoint.json")
    os.remove(path)
    os.symlink("checkpoint-gone.json", path)

    # M5: a file named like a segment must be exactly segment-<12+ ASCII digits>.jsonl of its number.
    split = count // 2
    segment_of = [0] * split + [1] * (count - split)
    for name, file_name in [("segment-unpadded", "segment-%d.jsonl" % (split + 1)),
                            ("segment-plus-sign", "segment-+%011d.jsonl" % (split + 1)),
                            ("segment-arabic-digits", "segment-%s.jsonl" % "".join(
                                chr(0x660 + int(d)) for d in "%012d" % (split + 1)))]:
        case(name, "records %d… moved to a segment named %s" % (split + 1, file_name), 1, "file " + file_name,
             lines, segment_of, segment_names={split + 1: file_name})

    # M6: a complete, valid final record without its line end is checked and counted by both.
    case("torn-complete-record", "the final record's line end removed", 3, "record %d" % count, lines[:-1],
         torn=lines[-1])

    # M7: deep nesting is invalid JSON to both verifiers, never a crash.
    deep = bodies[0].replace(b'"event":"start"', b'"event":"start","detail":' + b"[" * 3000 + b"]" * 3000, 1)
    deep = re.sub(rb',"detail":"(?:[^"\\]|\\.)*"', b"", deep, count=1)
    case("deep-nesting", "the first record's detail replaced by 3000 nested lists, chain re-hashed", 1, "record 1",
         rechain([deep] + bodies[1:]))


# --- Batch signatures recorded once (format 6, docs/AUDIT.md §Batch signatures, D74) ----------------

def split_envelope(wire):
    """(body, restrictions, algorithm, signature field) of an envelope's wire bytes (docs/PROTOCOL.md §3)."""
    pos = 1 + 16
    for _ in range(3):  # sender, topic, kind
        pos += 2 + struct.unpack(">H", wire[pos:pos + 2])[0]
    pos += 8  # issuedAtMillis
    start = pos
    for _ in range(4):  # the restriction lists, list16<str16>
        (entries,) = struct.unpack(">H", wire[pos:pos + 2])
        pos += 2
        for _ in range(entries):
            pos += 2 + struct.unpack(">H", wire[pos:pos + 2])[0]
    restrictions, algorithm = wire[start:pos], wire[pos]
    pos += 1
    pos += 4 + struct.unpack(">I", wire[pos:pos + 4])[0]  # payload
    (length,) = struct.unpack(">H", wire[pos:pos + 2])
    return wire[:pos], restrictions, algorithm, wire[pos + 2:pos + 2 + length]


def seal_claim(record):
    """The batch claim (cert, size, root, restrictionsDigest) an accepted publish's stored cut seal
    refers to, and the envelope's parts; None for a notice that is not batch-signed or whose seal still
    carries its root signature."""
    wire = base64.b64decode(record["envelope"])
    body, restrictions, algorithm, seal = split_envelope(wire)
    if algorithm not in (3, 4) or len(seal) < 9:
        return None
    size, index, count = struct.unpack(">IIB", seal[:9])
    if seal[9 + 32 * count:] != b"\x00\x00":
        return None
    r = hashlib.sha256(b"\x00" + hashlib.sha256(ENVELOPE_DOMAIN + body).digest()).digest()
    fn, sn = index, size - 1  # RFC 9162 §2.1.3.2
    for i in range(count):
        p = seal[9 + 32 * i:9 + 32 * (i + 1)]
        if fn & 1 or fn == sn:
            r = hashlib.sha256(b"\x01" + p + r).digest()
            while fn & 1 == 0 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = hashlib.sha256(b"\x01" + r + p).digest()
        fn, sn = fn >> 1, sn >> 1
    return (record["cert"], size, r.hex(), hashlib.sha256(restrictions).hexdigest()), body, seal


def batch_cases(case, source):
    """Cases for a format-6 log that holds a `batch` record followed by an accepted notice of its
    batch; none for a log without one (an older source log)."""
    records, bodies, segment_of = source.records, source.bodies(), source.segment_of
    claims = {}  # batch record index -> its claim
    chosen = None
    for i, r in enumerate(records):
        if r["event"] == "batch":
            claim = (r["cert"], r["size"], r["root"], r["restrictionsDigest"])
            if claim not in claims.values():  # the first record of its claim: nothing else vouches for the notices
                claims[i] = claim
        elif r["event"] == "publish" and r.get("outcome") == "accepted" and chosen is None:
            parsed = seal_claim(r)
            if parsed is None:
                continue
            batch = next((b for b in sorted(claims, reverse=True) if claims[b] == parsed[0]), None)
            if batch is not None:
                chosen = (batch, i, parsed)
    if chosen is None:
        return
    batch, publish, (claim, body, seal) = chosen
    record = records[batch]
    named_batch, named_publish = "record %d" % (batch + 1), "record %d" % (publish + 1)

    def replaced(index, member, value):
        """bodies with records[index][member] (a string) replaced, re-chained."""
        old = b'"%s":"%s"' % (member.encode(), records[index][member].encode())
        changed = bodies[index].replace(old, b'"%s":"%s"' % (member.encode(), value.encode()), 1)
        assert changed != bodies[index], member
        return rechain(bodies[:index] + [changed] + bodies[index + 1:])

    # (a) Another valid-looking signature: a key the script made up, of the certificate's kind, over
    # the header of another root.
    der = base64.b64decode(next(r["certificate"] for r in records if r["event"] == "certificate" and r["cert"] == claim[0]))
    header = BATCH_DOMAIN + struct.pack(">I", claim[1]) + os.urandom(32) + bytes.fromhex(claim[3])
    if isinstance(x509.load_der_x509_certificate(der).public_key(), ed25519.Ed25519PublicKey):
        forged = ed25519.Ed25519PrivateKey.generate().sign(header)
    else:
        forged = ec.generate_private_key(ec.SECP256R1()).sign(header, ec.ECDSA(hashes.SHA256()))
    case("batch-signature-forged", "batch record %d's signature replaced by one of a made-up key over another root's "
         "header, chain re-hashed" % (batch + 1), 1, named_batch,
         replaced(batch, "signature", base64.b64encode(forged).decode()))

    # (b) The batch record removed: the first notice that needed it (one record earlier now) is named.
    again = any(r["event"] == "batch" and (r["cert"], r["size"], r["root"], r["restrictionsDigest"]) == claim
                for r in records[batch + 1:publish])
    if not again:  # (else another record of the claim still vouches for the notice)
        case("batch-record-removed", "batch record %d removed, the rest renumbered and re-chained: publish record %d "
             "(now %d) has no batch record of its batch" % (batch + 1, publish + 1, publish), 1, "record %d" % publish,
             rechain(bodies[:batch] + bodies[batch + 1:]), segment_of[:batch] + segment_of[batch + 1:])

    # (c) The root signature put back into a stored envelope: the full seal a format-6 nexd never stores.
    root_signature = base64.b64decode(record["signature"])
    full = seal[:-2] + struct.pack(">H", len(root_signature)) + root_signature
    wire = body + struct.pack(">H", len(full)) + full
    case("batch-full-seal-stored", "publish record %d's stored envelope given back its batch's root signature (from "
         "batch record %d; a valid whole seal), chain re-hashed" % (publish + 1, batch + 1), 1, named_publish,
         replaced(publish, "envelope", base64.b64encode(wire).decode()))

    # (d) Another restrictions digest: the batch signature no longer verifies.
    other = hashlib.sha256(b"\x00" * 8).hexdigest()
    if other == record["restrictionsDigest"]:
        other = hashlib.sha256(b"\x00" * 9).hexdigest()
    case("batch-restrictions-digest-changed", "batch record %d's restrictionsDigest replaced by %s, chain re-hashed"
         % (batch + 1, other), 1, named_batch, replaced(batch, "restrictionsDigest", other))

    # A format-5 run holds no batch record: CANNOT VERIFY, in both modes. The start record of the run
    # claims format 5, the checkpoints before the run's first batch record are dropped (they would
    # name that start record first), and the log is cut after it.
    start = max((i for i in range(batch) if records[i]["event"] == "start"), default=None)
    declared = re.search(rb'"format":[0-9]+,', bodies[start]) if start is not None else None
    if declared:
        first = next(i for i in range(start, batch + 1) if records[i]["event"] == "batch")
        kept = [bodies[i].replace(declared.group(0), b'"format":5,', 1) if i == start else bodies[i]
                for i in range(first) if records[i]["event"] != "checkpoint"]
        lines = rechain(kept + [bodies[first]])
        for name, arguments in [("format-5-run-with-batch", []), ("format-5-run-with-batch-speed", ["--no-signatures"])]:
            case(name, "start record %d claims \"format\":5, the checkpoints before batch record %d dropped, the log "
                 "cut after it, chain re-hashed%s" % (start + 1, first + 1, ", verified with --no-signatures"
                                                      if arguments else ""),
                 2, "record %d" % len(lines), lines, checkpoint_json=False, arguments=arguments)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip().splitlines()[2].strip())
    source, out = Source(sys.argv[1]), sys.argv[2]
    os.makedirs(out, exist_ok=True)
    cases = build(source, out)
    with open(os.path.join(out, "cases.json"), "w") as f:
        json.dump(cases, f, indent=1)
        f.write("\n")
    print("wrote %d cases to %s" % (len(cases), out))


if __name__ == "__main__":
    main()
