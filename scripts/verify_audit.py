#!/usr/bin/env python3
"""Independent verifier of a NoticeExchange audit log (docs/AUDIT.md, format version 6; formats 1 to 5 too).

Written from the specification only (Python stdlib + `cryptography`; certificate chains are
checked by hand, so `cryptography` 38 is enough). Usage:

    scripts/verify_audit.py DIR [--ca PEM]... [--audit-cert PEM]... [--witness FILE]... [--no-signatures]

It prints the trust anchors (with fingerprints to compare against the pinned ones), then one
verdict line. Exit status:

    0  INTACT:        every record verified and sealed by a checkpoint or a witness
    1  TAMPERED:      the first bad record (or witness) is named
    2  CANNOT VERIFY: anchors missing or unusable, or a format this verifier does not know (or newer
                  than the run's start record declares)
    3  TORN TAIL:     only the last line is incomplete (a crash while writing)
    4  UNSEALED:      everything verified, but the newest records are after the last checkpoint
"""
import argparse, base64, binascii, calendar, collections, datetime, hashlib, json, os, re, stat, struct, sys, unicodedata

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, SignatureAlgorithmOID

FORMAT_VERSION = 6
CHECKPOINT_DOMAIN = b"NoticeExchange\x00v1\x00checkpoint"
ENVELOPE_DOMAIN = b"NoticeExchange\x00v1\x00env"
BATCH_DOMAIN = b"NoticeExchange\x00v1\x00batch"  # batch signatures (docs/PROTOCOL.md §3, D73)
LARGEST_BATCH = 4096  # N of a batch seal or `batch` record: 1 to 4096
BATCH_WINDOW = 65536  # format 6: a notice's `batch` record is among the 65,536 records before it (D74)
SEGMENT = re.compile(r"segment-([0-9]{12,})\.jsonl")  # and exactly "segment-%012d.jsonl" % its number
PREPARED_SEGMENT = "next-segment.jsonl"  # docs/AUDIT.md §Files
SUFFIX_LEN = 75  # ,"hash":"<64 hex>"}
TIME = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})\.([0-9]{3})Z")
HEX64 = re.compile(r"[0-9a-f]{64}")
# The fixed head and tail of every record line in canonical form (docs/AUDIT.md §Canonical form).
HEAD = re.compile(rb'\{"seq":(0|[1-9][0-9]*),"time":"(.{24})","event":"([a-z-]+)",', re.S)
TAIL = re.compile(rb',"prev":"([0-9a-f]{64})","hash":"[^"]{64}"\}')
LARGEST_INTEGER = 2 ** 53 - 1  # I-JSON (RFC 7493): every parser reads the same value
DEEPEST_NESTING = 64
ALWAYS_PARSED = frozenset(["start", "certificate", "checkpoint"])  # also with --no-signatures
EVENT_ORDER = ("seq time event format outcome reason detail conn node role country peer cert msg topic kind sub "
               "filter inbox from through issuedAt expiresAt digest ref recipients queued withheld restrictions received "
               "missed delivery count part parts envelope certificate size root restrictionsDigest signature prev hash").split()
# Members of the event order that only a `batch` record (format 6) carries; a checkpoint has its own order.
BATCH_ONLY = frozenset("size root restrictionsDigest signature".split())
CHECKPOINT_ORDER = "seq time event reason detail size root cert signature frontier prev hash".split()
SHAPES = dict(
    [(k, "integer") for k in "seq format conn sub ref delivery count part parts size from through".split()]
    + [(k, "time") for k in ("time", "issuedAt", "expiresAt")]
    + [(k, "hex") for k in "cert digest root restrictionsDigest prev hash".split()]
    + [(k, "base64") for k in "envelope certificate signature".split()]
    + [("recipients", "recipients"), ("queued", "queued"), ("withheld", "withheld"), ("received", "strings"), ("missed", "strings"),
       ("frontier", "hexes")])
SHAPE_NAMES = {"integer": "a non-negative integer", "string": "a string", "time": "a time YYYY-MM-DDTHH:MM:SS.mmmZ",
               "hex": "64 lowercase hex digits", "base64": "canonical base64",
               "recipients": 'a list of {"node","conn","subs"[,"inboxes"][,"exception"]}',
               "queued": 'a list of {"node","inbox"[,"exception"]}',
               "withheld": 'a list of {"node","conn" or "inbox","reason"}',
               "strings": "a list of strings", "hexes": "a list of 64 lowercase hex digits"}
WITNESS = re.compile(rb'\{"version":1,"size":(0|[1-9][0-9]*),"root":"([0-9a-f]{64})","time":"([^"]{24})",'
                     rb'"cert":"([0-9a-f]{64})","signature":"([A-Za-z0-9+/=]*)"\}\n?')
EVENTS = frozenset(
    "start stop repair connect disconnect certificate subscribe unsubscribe publish route receipt "
    "protocol-error reload checkpoint continuation inbox batch".split())
MEMBERS = frozenset(
    "seq time event format outcome reason detail conn node role country peer cert msg topic kind sub "
    "filter inbox from through issuedAt expiresAt digest ref recipients queued withheld restrictions received "
    "missed delivery count part parts envelope certificate size root restrictionsDigest signature frontier prev hash".split())
# Content later formats added (docs/AUDIT.md §Versioning): a run whose start record declares an
# older format cannot have written it.
EVENTS_INTRODUCED = {"inbox": 3, "batch": 6}
MEMBERS_INTRODUCED = {"inbox": 3, "from": 3, "through": 3, "queued": 3, "expiresAt": 5, "restrictionsDigest": 6}
EXIT_INTACT, EXIT_TAMPERED, EXIT_CANNOT_VERIFY, EXIT_TORN_TAIL, EXIT_UNSEALED = 0, 1, 2, 3, 4


def object_without_duplicates(pairs):
    """A JSON object whose members are all distinct: parsers disagree on which duplicate wins.
    Names count as equal when Unicode-canonically equivalent (Swift's String equality)."""
    keys = [unicodedata.normalize("NFD", key) for key, _ in pairs]
    if len(set(keys)) != len(keys):
        raise ValueError("duplicate member %r" % next(k for k in keys if keys.count(k) > 1))
    return dict(pairs)


def no_constant(name):
    raise ValueError("%s is not JSON" % name)


def nesting_depth(data):
    """The depth of [ / { nesting outside strings."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in data:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest


def parse_record(line):
    """The record's members, in order; ValueError when it is not valid JSON (or too deep for us)."""
    if nesting_depth(line) > DEEPEST_NESTING:
        raise ValueError("nested deeper than %d" % DEEPEST_NESTING)
    try:
        return json.loads(line, object_pairs_hook=object_without_duplicates, parse_constant=no_constant)
    except RecursionError:
        raise ValueError("nested too deeply")


# --- Canonical form (docs/AUDIT.md §Canonical form): the bytes nexd's writer makes ---------------

def encode_string(text):
    out = ['"']
    for ch in text:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20:
            out.append("\\u%04x" % ord(ch))
        else:
            out.append(ch)
    out.append('"')
    return "".join(out).encode("utf-8")  # a lone surrogate raises: not canonical


def is_integer(value):
    return type(value) is int and 0 <= value <= LARGEST_INTEGER


def is_hex64(value):
    return isinstance(value, str) and HEX64.fullmatch(value) is not None


def is_canonical_base64(value):
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z0-9+/=]*", value):
        return False
    try:
        return base64.b64encode(base64.b64decode(value, validate=True)).decode() == value
    except (ValueError, binascii.Error):
        return False


def encode_value(value, shape):
    """The writer's bytes for a member of this shape, or None when the value is not of it."""
    if shape == "integer":
        return str(value).encode() if is_integer(value) else None
    if shape in ("string", "time", "hex", "base64"):
        if not isinstance(value, str):
            return None
        if (shape == "time" and not is_canonical_time(value)) or (shape == "hex" and not is_hex64(value)) \
                or (shape == "base64" and not is_canonical_base64(value)):
            return None
        return encode_string(value)
    if not isinstance(value, list):
        return None
    items = []
    for item in value:
        if shape in ("strings", "hexes"):
            if not isinstance(item, str) or (shape == "hexes" and not is_hex64(item)):
                return None
            items.append(encode_string(item))
            continue
        entry = encode_entry(item, shape)
        if entry is None:
            return None
        items.append(entry)
    return b"[" + b",".join(items) + b"]"


def encode_entry(item, shape):
    """One entry of a recipients, queued or withheld list in the writer's bytes, or None. A recipient's
    "inboxes" is present only when not empty; a recipient's or queued entry's "exception" (format 4)
    only when it has one; a withheld entry names a "conn" or an "inbox", not both.
    A recipient's "subs" may be empty: a follow-up delivered to a holder of its original (capability
    lifecycle.1; withheld reason "no-capability" without it; docs/AUDIT.md §Follow-ups, D57)."""
    if not isinstance(item, dict) or not isinstance(item.get("node"), str):
        return None
    exception = ["exception"] if "exception" in item else []
    if shape == "recipients":
        keys = ["node", "conn", "subs"] + (["inboxes"] if "inboxes" in item else []) + exception
    elif shape == "queued":
        keys = ["node", "inbox"] + exception
    else:
        keys = ["node", "conn" if "conn" in item else "inbox", "reason"]
    if sorted(item) != sorted(keys):
        return None
    parts = []
    for key in keys:
        value = item[key]
        if key == "conn":
            encoded = str(value).encode() if is_integer(value) else None
        elif key == "subs":
            ok = isinstance(value, list) and all(is_integer(sub) for sub in value)
            encoded = b"[" + b",".join(str(sub).encode() for sub in value) + b"]" if ok else None
        elif key == "inboxes":
            ok = isinstance(value, list) and value and all(isinstance(name, str) for name in value)
            encoded = b"[" + b",".join(encode_string(name) for name in value) + b"]" if ok else None
        else:
            encoded = encode_string(value) if isinstance(value, str) else None
        if encoded is None:
            return None
        parts.append(encode_string(key) + b":" + encoded)
    return b"{" + b",".join(parts) + b"}"


def later_content(event, record, run_format):
    """Why a record holds content newer than its run's declared format, and its verdict, or None: a
    later event or top-level member is CANNOT VERIFY (as to a verifier of the run's format), a later
    nested form TAMPERED (that verifier's canonical form refuses it)."""
    if run_format >= FORMAT_VERSION:
        return None

    def problem(what, fmt):
        return ("%s is audit format %d content, but this run's start record declares format %d: a format-%d "
                "nexd cannot have written it" % (what, fmt, run_format, run_format))
    if EVENTS_INTRODUCED.get(event, 0) > run_format:
        return problem('event "%s"' % event, EVENTS_INTRODUCED[event]), "CANNOT VERIFY"
    if record is None:
        return None
    for member in sorted(MEMBERS_INTRODUCED):
        if member in record and MEMBERS_INTRODUCED[member] > run_format:
            return problem('member "%s"' % member, MEMBERS_INTRODUCED[member]), "CANNOT VERIFY"
    if run_format < 3:
        for entry in list(record.get("recipients") or []) + list(record.get("withheld") or []):
            if isinstance(entry, dict) and ("inboxes" in entry or "inbox" in entry):
                return ("record is not in canonical form (%s)" % problem('an inbox in a "recipients" or "withheld" entry', 3),
                        "TAMPERED")
    if run_format < 4:
        for entry in list(record.get("recipients") or []) + list(record.get("queued") or []):
            if isinstance(entry, dict) and "exception" in entry:
                return ("record is not in canonical form (%s)" % problem('an exception in a "recipients" or "queued" entry', 4),
                        "TAMPERED")
    return None


def canonical_form_problem(line, record, run_format=FORMAT_VERSION):
    """Why `line` is not the writer's encoding of its parse `record`, or None. `size`, `root`,
    `restrictionsDigest` and `signature` belong only in a checkpoint and (format 6) a `batch` record;
    a `restrictionsDigest` in a run declaring an older format is left to `later_content` (CANNOT
    VERIFY, as to a verifier of that format, which does not know the member)."""
    checkpoint = record.get("event") == "checkpoint"
    order = CHECKPOINT_ORDER if checkpoint else EVENT_ORDER
    for key in sorted(record):
        if key not in order or (not checkpoint and key in BATCH_ONLY and record.get("event") != "batch"
                                and MEMBERS_INTRODUCED.get(key, 0) <= run_format):
            return 'member "%s" does not belong in %s record' % (key, "a checkpoint" if checkpoint else "this")
    parts = []
    for key in order:
        if key not in record:
            continue
        try:
            encoded = encode_value(record[key], SHAPES.get(key, "string"))
        except UnicodeEncodeError:
            encoded = None
        if encoded is None:
            return 'member "%s" is not %s' % (key, SHAPE_NAMES[SHAPES.get(key, "string")])
        parts.append(encode_string(key) + b":" + encoded)
    out = b"{" + b",".join(parts) + b"}"
    if out != line:
        same = next((i for i, (a, b) in enumerate(zip(out, line)) if a != b), min(len(out), len(line)))
        return "byte %d differs from the writer's encoding of the same members" % (same + 1)
    return None


class Problem(Exception):
    """The first problem found: stops the walk. `verdict` is TAMPERED or CANNOT VERIFY."""
    def __init__(self, where, reason, verdict="TAMPERED"):
        super().__init__(reason)
        self.where, self.reason, self.verdict = where, reason, verdict

    def line(self):
        return "%s: %s%s" % (self.verdict, self.where + ": " if self.where else "", self.reason)

    def status(self):
        return EXIT_TAMPERED if self.verdict == "TAMPERED" else EXIT_CANNOT_VERIFY


# --- RFC 6962 Merkle tree ---------------------------------------------------------------------

def sha256(data):
    return hashlib.sha256(data).digest()


class Frontier:
    """RFC 6962 compact range: the roots of the perfect subtrees, largest first."""
    def __init__(self):
        self.size, self.hashes = 0, []

    def append(self, line):
        h, s = sha256(b"\x00" + line), self.size
        while s & 1:
            h = sha256(b"\x01" + self.hashes.pop() + h)
            s >>= 1
        self.hashes.append(h)
        self.size += 1

    def root(self):
        if not self.hashes:
            return sha256(b"")
        r = self.hashes[-1]
        for h in reversed(self.hashes[:-1]):
            r = sha256(b"\x01" + h + r)
        return r


# --- Times, signatures, certificates -----------------------------------------------------------

def parse_time(text):
    """Exactly YYYY-MM-DDTHH:MM:SS.mmmZ (ASCII digits, a real date, seconds 00-59) -> Unix
    milliseconds; ValueError otherwise."""
    m = TIME.fullmatch(text) if isinstance(text, str) else None
    if not m:
        raise ValueError("time %r is not YYYY-MM-DDTHH:MM:SS.mmmZ" % (text,))
    y, mo, d, h, mi, s, ms = map(int, m.groups())
    try:
        datetime.datetime(y, mo, d, h, mi, s)  # rejects 2026-02-31, 24:00 and second 60
    except ValueError:
        raise ValueError("time %r is not a valid date" % text)
    return calendar.timegm((y, mo, d, h, mi, s, 0, 0, 0)) * 1000 + ms


def is_canonical_time(text):
    try:
        parse_time(text)
        return True
    except ValueError:
        return False


def cert_millis(cert, which):
    """notBefore/notAfter in Unix milliseconds (certificate times are whole seconds, UTC)."""
    when = getattr(cert, which + "_utc", None) or getattr(cert, which)  # cryptography >= 42 / 38
    return calendar.timegm(when.utctimetuple()) * 1000


def is_valid_at(cert, millis):
    return cert_millis(cert, "not_valid_before") <= millis <= cert_millis(cert, "not_valid_after")


def verify_signature(key, signature, message, algorithm=None):
    """ECDSA P-256 with SHA-256 (DER) or Ed25519. `algorithm` (envelope: 1 ECDSA, 2 Ed25519) must match the key."""
    try:
        if isinstance(key, ed25519.Ed25519PublicKey) and algorithm in (None, 2):
            key.verify(signature, message)
            return True
        if isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1) and algorithm in (None, 1):
            key.verify(signature, message, ec.ECDSA(hashes.SHA256()))
            return True
    except (InvalidSignature, ValueError):
        pass
    return False


def fingerprint(cert):
    return hashlib.sha256(cert.public_bytes(Encoding.DER)).hexdigest()


def subject(cert):
    return cert.subject.rfc4514_string()


def extension(cert, kind):
    try:
        return cert.extensions.get_extension_for_class(kind).value
    except x509.ExtensionNotFound:
        return None


def is_ca(cert):
    constraints = extension(cert, x509.BasicConstraints)
    return constraints is not None and constraints.ca


def has_usage(cert, oid):
    usages = extension(cert, x509.ExtendedKeyUsage)
    return usages is not None and oid in usages


def is_audit_certificate(cert):
    """The audit certificate's purpose: timeStamping, not clientAuth (nodes' certificates; D61)."""
    return has_usage(cert, ExtendedKeyUsageOID.TIME_STAMPING) and not has_usage(cert, ExtendedKeyUsageOID.CLIENT_AUTH)


def issuing_ca(cert, cas):
    """The given CA that issued `cert` directly (subject = issuer, its key verifies the signature
    over the TBS bytes, basicConstraints CA:TRUE), or None. No intermediates."""
    for ca in cas:
        if ca.subject != cert.issuer or not is_ca(ca):
            continue
        key, oid = ca.public_key(), cert.signature_algorithm_oid
        if oid == SignatureAlgorithmOID.ECDSA_WITH_SHA256 and isinstance(key, ec.EllipticCurvePublicKey):
            ok = verify_signature(key, cert.signature, cert.tbs_certificate_bytes)
        elif oid == SignatureAlgorithmOID.ED25519 and isinstance(key, ed25519.Ed25519PublicKey):
            ok = verify_signature(key, cert.signature, cert.tbs_certificate_bytes)
        else:
            ok = False
        if ok:
            return ca
    return None


def read_pem_certificates(path):
    """Every certificate in a PEM file (cryptography 38 has no load_pem_x509_certificates)."""
    with open(path, "rb") as f:
        blocks = re.findall(rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", f.read(), re.S)
    if not blocks:
        raise ValueError("no PEM certificate in it")
    return [x509.load_pem_x509_certificate(block) for block in blocks]


def checkpoint_message(size, root_hex, millis):
    return CHECKPOINT_DOMAIN + struct.pack(">Q", size) + bytes.fromhex(root_hex) + struct.pack(">q", millis)


CRASH_SEAL_DOMAIN = b"NoticeExchange\x00v1\x00crash-seal"
CRASH_SEAL_DETAIL = "covers records %d\u2026%d written before a crash (no clean stop); re-verified by nexd at start-up"


def crash_seal_message(size, root_hex, millis, first):
    return (CRASH_SEAL_DOMAIN + struct.pack(">Q", size) + bytes.fromhex(root_hex) + struct.pack(">q", millis)
            + struct.pack(">Q", first))


def crash_seal_first(record, size):
    """X of a crash seal's detail "covers records X…size …", or None for a plain checkpoint."""
    reason, detail = record.get("reason"), record.get("detail")
    if reason is None and detail is None:
        return None
    m = re.fullmatch(r"covers records ([0-9]+)\u2026([0-9]+) written before a crash \(no clean stop\); "
                     r"re-verified by nexd at start-up", detail or "")
    if reason != "sealed-after-crash" or not m or detail != CRASH_SEAL_DETAIL % (int(m.group(1)), size) \
            or not 1 <= int(m.group(1)) <= size:
        raise ValueError("a checkpoint carries reason and detail only as a crash seal: %r, %r" % (reason, detail))
    return int(m.group(1))


# --- Envelopes (docs/PROTOCOL.md §3) -----------------------------------------------------------

def parse_envelope(wire):
    """body ‖ u16 signatureLength ‖ signature; returns (fields, body, signature)."""
    pos = 0
    def take(n):
        nonlocal pos
        if pos + n > len(wire):
            raise ValueError("envelope truncated")
        chunk = wire[pos:pos + n]
        pos += n
        return chunk
    def u16():
        return struct.unpack(">H", take(2))[0]
    def str16():
        return take(u16()).decode("utf-8")
    if take(1)[0] != 1:
        raise ValueError("envelope version is not 1")
    mid = take(16).hex()
    msg = "%s-%s-%s-%s-%s" % (mid[:8], mid[8:12], mid[12:16], mid[16:20], mid[20:])
    sender, topic, kind = str16(), str16(), str16()
    take(8)  # issuedAtMillis
    restrictions_start = pos
    for _ in range(4):  # allowed/denied countries, allowed/denied nodes
        for _ in range(u16()):
            str16()
    restrictions = wire[restrictions_start:pos]
    algorithm = take(1)[0]
    take(struct.unpack(">I", take(4))[0])  # payload
    body = wire[:pos]
    signature = take(u16())
    if pos != len(wire):
        raise ValueError("bytes after the signature")
    return ({"msg": msg, "sender": sender, "topic": topic, "kind": kind, "algorithm": algorithm, "restrictions": restrictions},
            body, signature)


def path_length(index, size):
    """RFC 6962 audit path length of leaf `index` in a tree of `size` leaves."""
    length = 0
    while size > 1:
        split = 1
        while split << 1 < size:
            split <<= 1
        if index < split:
            size = split
        else:
            index, size = index - split, size - split
        length += 1
    return length


def root_from_path(leaf, index, size, path):
    """The root an RFC 6962 audit path leads to (RFC 9162 §2.1.3.2), or None."""
    if index >= size:
        return None
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return None
        if fn & 1 == 1 or fn == sn:
            r = hashlib.sha256(b"\x01" + p + r).digest()
            while fn & 1 == 0 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = hashlib.sha256(b"\x01" + r + p).digest()
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None


def parse_seal(seal):
    """A batch seal (docs/PROTOCOL.md §3 "Batch signatures"): u32 batchSize ‖ u32 leafIndex ‖ u8
    pathCount ‖ pathCount × 32 path ‖ bytes16 rootSignature, nothing after it. Returns (size, index,
    path, rootSignature) — the root signature possibly empty (a format-6 log stores it cut out, D74);
    ValueError when the seal breaks the rules."""
    if len(seal) < 9:
        raise ValueError("shorter than its fixed fields")
    size, index, count = struct.unpack(">IIB", seal[:9])
    if not 1 <= size <= LARGEST_BATCH:
        raise ValueError("batch size %d is not 1 to %d" % (size, LARGEST_BATCH))
    if index >= size:
        raise ValueError("leaf index %d is not below the batch size %d" % (index, size))
    if count != path_length(index, size):
        raise ValueError("%d path hashes where leaf %d of %d needs %d" % (count, index, size, path_length(index, size)))
    end = 9 + 32 * count
    if len(seal) < end + 2:
        raise ValueError("truncated")
    (length,) = struct.unpack(">H", seal[end:end + 2])
    if len(seal) != end + 2 + length:
        raise ValueError("its root signature's length does not match the bytes after it")
    return size, index, [seal[9 + 32 * i:9 + 32 * (i + 1)] for i in range(count)], seal[end + 2:]


def signature_fits(key, signature):
    """A root signature's size fits the key: ECDSA P-256 DER, 1 to 72 bytes; Ed25519, exactly 64."""
    if isinstance(key, ed25519.Ed25519PublicKey):
        return len(signature) == 64
    if isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
        return 1 <= len(signature) <= 72
    return False


def algorithm_fits(key, algorithm):
    """An envelope's signature algorithm fits the key: 1 and 3 ECDSA P-256, 2 and 4 Ed25519."""
    if isinstance(key, ed25519.Ed25519PublicKey):
        return algorithm in (2, 4)
    if isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
        return algorithm in (1, 3)
    return False


def seal_root(body, index, size, path):
    """The root the proof leads to from the leaf SHA-256(0x00 ‖ SHA-256(domain ‖ body)), or None."""
    leaf = hashlib.sha256(b"\x00" + hashlib.sha256(ENVELOPE_DOMAIN + body).digest()).digest()
    return root_from_path(leaf, index, size, path)


def batch_header(size, root, restrictions_digest):
    """What a batch's originator signs: BATCH_DOMAIN ‖ u32 N ‖ root ‖ restrictionsDigest (bytes)."""
    return BATCH_DOMAIN + struct.pack(">I", size) + root + restrictions_digest


def verify_envelope(key, fields, body, signature):
    """A single signature (algorithm 1, 2) over domain ‖ body, or a whole batch seal (3, 4): the proof
    from SHA-256(0x00 ‖ SHA-256(domain ‖ body)) leads to a root, and the seal's signature verifies
    over BATCH_DOMAIN ‖ u32 size ‖ root ‖ SHA-256(restrictions) with the key (D73)."""
    algorithm = fields["algorithm"]
    if algorithm in (1, 2):
        return verify_signature(key, signature, ENVELOPE_DOMAIN + body, algorithm)
    if algorithm not in (3, 4):
        return False
    try:
        size, index, path, root_signature = parse_seal(signature)
    except ValueError:
        return False
    if not root_signature or (len(root_signature) != 64 if algorithm == 4 else len(root_signature) > 72):
        return False
    root = seal_root(body, index, size, path)
    if root is None:
        return False
    header = batch_header(size, root, hashlib.sha256(fields["restrictions"]).digest())
    return verify_signature(key, root_signature, header, algorithm - 2)


# --- Anchors and witnesses (checks before the walk) --------------------------------------------

def load_anchors(option, paths):
    """[(cert, file)] from the files given to `option`; a file that cannot be used stops (exit 2)."""
    anchors = []
    for path in paths:
        try:
            anchors += [(cert, path) for cert in read_pem_certificates(path)]
        except (OSError, ValueError) as error:
            raise Problem("", "cannot read %s %s: %s" % (option, path, error), "CANNOT VERIFY")
    return anchors


def check_audit_certificate(cert, path, cas):
    why = None
    if issuing_ca(cert, cas) is None:
        why = "is not issued by a given CA: pass --ca with the CA that issued it"
    elif is_ca(cert):
        why = "is a CA certificate: pass --audit-cert with the certificate of the key that signs checkpoints"
    elif not has_usage(cert, ExtendedKeyUsageOID.TIME_STAMPING):
        why = ("lacks the timeStamping extended key usage: pass --audit-cert with the certificate of the key that "
               "signs checkpoints")
    if why:
        raise Problem("", "audit certificate %s (%s) in %s %s" % (fingerprint(cert), subject(cert), path, why),
                      "CANNOT VERIFY")


def read_witness(label, path, audit_certs):
    """A witness checkpoint (docs/AUDIT.md §Witnesses): exactly the form nexd writes, optionally
    followed by one line end; parsed and its signature checked."""
    where = "witness " + label
    try:
        with open(path, "rb") as f:
            m = WITNESS.fullmatch(f.read())
        if not m or int(m.group(1)) > LARGEST_INTEGER or not is_canonical_base64(m.group(5).decode()):
            raise ValueError("not in the form nexd writes")
        w = {"size": int(m.group(1)), "root": m.group(2).decode(), "cert": m.group(4).decode()}
        millis = parse_time(m.group(3).decode("utf-8"))
        signature = base64.b64decode(m.group(5), validate=True)
    except (OSError, ValueError, binascii.Error):
        raise Problem(where, "cannot be parsed")
    cert = audit_certs.get(w["cert"])
    if cert is None or not verify_signature(cert.public_key(), signature, checkpoint_message(w["size"], w["root"], millis)):
        raise Problem(where, "signature does not verify with a given audit certificate")
    return {"label": label, "size": w["size"], "root": w["root"]}


# --- The walk ----------------------------------------------------------------------------------

class Walk:
    """Checks every line in segment order; the first problem raises `Problem`."""

    def __init__(self, cas, audit_certs, witnesses, check_signatures):
        self.cas, self.audit_certs, self.witnesses = cas, audit_certs, witnesses
        self.check_signatures = check_signatures
        self.frontier, self.prev_hash = Frontier(), "0" * 64
        self.certificates = {}  # fingerprint -> (certificate, issuing CA)
        # Format 6: the verified batch claims (cert, size, root, restrictionsDigest) -> the sequence of
        # their latest `batch` record, oldest first; those more than BATCH_WINDOW records back are
        # forgotten (a notice may refer only to the window before it), so memory stays bounded.
        self.batches = collections.OrderedDict()
        self.prev_time = self.last_checkpoint_time = None
        self.prev_event, self.clean_stop = None, None
        self.sealed_through = self.checkpoints = self.signatures = 0
        self.crash_seals = []
        self.torn, self.torn_is_complete_record = None, False
        self.run_format = FORMAT_VERSION  # declared by each start record; before the first, the newest

    def run(self, directory, segments):
        for w in self.witnesses:
            if w["size"] == 0:
                self.check_witness(w)
        for index, (first, name) in enumerate(segments):
            with open(os.path.join(directory, name), "rb") as f:
                lines = f.read().split(b"\n")
            tail = lines.pop()  # b"" when the segment ends with a line end
            for number, line in enumerate(lines, 1):
                self.accept(line, self.check(line, name, number, first if number == 1 else None))
            if tail:
                seq, number = self.frontier.size + 1, len(lines) + 1
                if index != len(segments) - 1:
                    raise Problem("record %d (%s line %d)" % (seq, name, number), "record has no line end in the middle of the log")
                self.torn = "%s line %d (record %d)" % (name, number, seq)
                # A complete, valid record that lost only its line end is checked and counted (nexd
                # keeps it); anything else in the torn line is just a torn tail.
                try:
                    stored_hash = self.check(tail, name, number, first if number == 1 else None)
                except Problem:
                    stored_hash = None
                if stored_hash is not None:
                    self.accept(tail, stored_hash)
                    self.torn_is_complete_record = True
        for w in self.witnesses:
            if w["size"] > self.frontier.size:
                raise Problem("witness " + w["label"], "the log ends after record %d but this checkpoint covers %d "
                              "records: the log was truncated" % (self.frontier.size, w["size"]))

    def check(self, line, name, number, announced):
        """Checks one line (docs/AUDIT.md §The walk, in that order); returns its stored hash."""
        seq = self.frontier.size + 1
        where = "record %d (%s line %d)" % (seq, name, number)
        if len(line) <= SUFFIX_LEN + 2 or not line[-SUFFIX_LEN:].startswith(b',"hash":"') or not line.endswith(b'"}'):
            raise Problem(where, "record is not framed (no trailing hash member)")
        stored_hash = line[-66:-2].decode("ascii", "replace")
        if hashlib.sha256(line[:-SUFFIX_LEN] + b"}").hexdigest() != stored_hash:
            raise Problem(where, "record content does not match its hash: the record was altered")
        # The head and tail every record has, read at fixed places (also with --no-signatures).
        head, tail = HEAD.match(line), TAIL.fullmatch(line, len(line) - SUFFIX_LEN - 74)
        if not head:
            raise Problem(where, "record is not in canonical form (its head is not "
                          '{"seq":N,"time":"YYYY-MM-DDTHH:MM:SS.mmmZ","event":"<a-z and ->",)')
        if int(head.group(1)) > LARGEST_INTEGER:
            raise Problem(where, 'record is not in canonical form ("seq" is too large)')
        if not is_canonical_time(head.group(2).decode("utf-8", "replace")):
            raise Problem(where, 'record is not in canonical form ("time" is not YYYY-MM-DDTHH:MM:SS.mmmZ with a real date)')
        if not tail or tail.start() < head.end() - 1:
            raise Problem(where, 'record is not in canonical form (it does not end with "prev" and "hash")')
        if int(head.group(1)) != seq:
            raise Problem(where, "sequence %s where %d was expected: records were removed, inserted or reordered"
                          % (head.group(1).decode(), seq))
        if tail.group(1).decode() != self.prev_hash:
            raise Problem(where, "link to the previous record does not match its hash")
        if announced is not None and announced != seq:
            raise Problem(where, "segment name announces sequence %d: segments were renamed or removed" % announced)
        event = head.group(3).decode()
        if event not in EVENTS:
            raise Problem(where, "event %s is not in format %d; a newer verifier is needed" % (json.dumps(event), FORMAT_VERSION), "CANNOT VERIFY")
        record = None
        if self.check_signatures or event in ALWAYS_PARSED:
            try:
                record = parse_record(line)
            except ValueError as error:
                raise Problem(where, "record is not valid JSON (%s)" % error)
            if not isinstance(record, dict):
                raise Problem(where, "record is not valid JSON (not an object)")
            for member in sorted(record):
                if member not in MEMBERS:
                    raise Problem(where, "member %s is not in format %d; a newer verifier is needed" % (json.dumps(member), FORMAT_VERSION), "CANNOT VERIFY")
            fmt = record.get("format")
            declared = (fmt if is_integer(fmt) else 1) if event == "start" else self.run_format
            why = canonical_form_problem(line, record, declared)
            if why:
                raise Problem(where, "record is not in canonical form (%s)" % why)
            if fmt is not None and fmt < 1:
                raise Problem(where, 'member "format" is not a format number (1..%d)' % FORMAT_VERSION)
            if fmt is not None and fmt > FORMAT_VERSION:
                raise Problem(where, "format %d is newer than format %d; a newer verifier is needed" % (fmt, FORMAT_VERSION), "CANNOT VERIFY")
            if event == "start":
                self.run_format = fmt if fmt is not None else 1
        later = later_content(event, record, self.run_format)
        if later:
            raise Problem(where, later[0], later[1])
        try:
            self.check_record(record, event, head.group(2).decode(), where, seq)
        except (ValueError, KeyError, TypeError, AttributeError, binascii.Error) as error:
            raise Problem(where, "record is malformed: %s" % error)
        return stored_hash

    def accept(self, line, stored_hash):
        """Adds a checked line to the tree and checks the witnesses of that size."""
        self.frontier.append(line)
        self.prev_hash = stored_hash
        for w in self.witnesses:
            if w["size"] == self.frontier.size:
                self.check_witness(w)

    def check_witness(self, w):
        if w["root"] != self.frontier.root().hex():
            raise Problem("witness " + w["label"], "the log does not extend this checkpoint (size %d): a record "
                          "among 1..%d was altered, replaced or removed after it was signed" % (w["size"], w["size"]))
        self.sealed_through = max(self.sealed_through, w["size"])

    def check_record(self, record, event, time, where, seq):
        """Time order, the clean stop and event content; `record` is None for a record --no-signatures
        does not parse. Only values the canonical-form checks vouch for are used."""
        millis = parse_time(time)
        if self.prev_time is not None and millis < self.prev_time[0]:
            raise Problem(where, "time %s is earlier than the previous record's %s" % (time, self.prev_time[1]))
        self.prev_time = (millis, time)
        # Clean stop: after `stop` and its checkpoint, only a new `start` may follow.
        if self.clean_stop is not None and event != "start":
            raise Problem(where, "a record after the final checkpoint of a clean stop (record %d) that does not "
                          "begin a new start" % self.clean_stop)
        self.clean_stop = None
        if event == "certificate":
            self.check_certificate(record, where)
        elif event == "checkpoint":
            self.check_checkpoint(record, where, seq, millis)
            if self.prev_event == "stop" and record.get("reason") != "sealed-after-crash":
                self.clean_stop = seq
        elif event == "batch" and self.check_signatures:
            self.check_batch(record, where, seq, millis)
        elif event == "publish" and self.check_signatures and record.get("outcome") == "accepted":
            self.check_publish(record, where, seq, millis)
        self.prev_event = event

    def check_certificate(self, record, where):
        der = base64.b64decode(record["certificate"], validate=True)
        if hashlib.sha256(der).hexdigest() != record.get("cert"):
            raise Problem(where, "stored certificate does not match its fingerprint")
        cert = x509.load_der_x509_certificate(der)
        ca = issuing_ca(cert, self.cas)
        named = "originator certificate %s (%s)" % (record["cert"], subject(cert))
        if ca is None:
            raise Problem(where, named + " is not issued by a given CA")
        if is_ca(cert):
            raise Problem(where, named + " is a CA certificate")
        if not has_usage(cert, ExtendedKeyUsageOID.CLIENT_AUTH) and not is_audit_certificate(cert):
            raise Problem(where, named + " lacks the clientAuth extended key usage (a node's) and the timeStamping one "
                          "(nexd's audit key)")
        # An audit certificate as originator (nexd's expire) is format 5 content (D61).
        if not has_usage(cert, ExtendedKeyUsageOID.CLIENT_AUTH) and self.run_format < 5:
            raise Problem(where, named + " lacks the clientAuth extended key usage (an audit certificate as originator is "
                          "audit format 5 content, but this run's start record declares format %d)" % self.run_format)
        self.certificates[record["cert"]] = (cert, ca)

    def check_batch(self, record, where, seq, millis):
        """A `batch` record (format 6, docs/AUDIT.md §Batch signatures, step 6): a node's stored
        certificate signed the batch header; the claim is then remembered for the notices after it."""
        stored = self.certificates.get(record.get("cert"))
        if stored is None:
            raise Problem(where, "originator certificate %s is not stored earlier in the log" % record.get("cert"))
        cert, ca = stored
        if not has_usage(cert, ExtendedKeyUsageOID.CLIENT_AUTH):
            raise Problem(where, "a batch signed with certificate %s, which lacks the clientAuth extended key usage (a "
                          "node's): nexd's audit key never signs a batch" % record["cert"])
        names = [a.value for a in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
        if names != [record.get("node")]:
            raise Problem(where, "originator certificate's CN %s is not the record's node %s" % (names, record.get("node")))
        size, root, restrictions = record["size"], record["root"], record["restrictionsDigest"]
        if not 1 <= size <= LARGEST_BATCH:
            raise Problem(where, "batch size %d is not 1 to %d" % (size, LARGEST_BATCH))
        signature = base64.b64decode(record["signature"], validate=True)
        key = cert.public_key()
        if not signature_fits(key, signature):
            raise Problem(where, "a batch signature of %d bytes does not fit the originator certificate's key (ECDSA "
                          "P-256: DER, at most 72 bytes; Ed25519: 64 bytes)" % len(signature))
        if not verify_signature(key, signature, batch_header(size, bytes.fromhex(root), bytes.fromhex(restrictions))):
            raise Problem(where, "batch signature does not verify with the stored originator certificate")
        if not is_valid_at(cert, millis):
            raise Problem(where, "recorded at %s, outside the originator certificate's validity" % record["time"])
        if not is_valid_at(ca, millis):
            raise Problem(where, "recorded at %s, outside the issuing CA's validity" % record["time"])
        claim = (record["cert"], size, root, restrictions)
        self.batches.pop(claim, None)
        self.batches[claim] = seq
        while self.batches and next(iter(self.batches.values())) < seq - BATCH_WINDOW:
            self.batches.popitem(last=False)

    def check_cut_seal(self, record, where, seq, fields, body, seal):
        """A batch-signed notice in a format-6 run: its seal stored without the root signature, its
        proof leading to the root of a `batch` record of the same claim among the BATCH_WINDOW
        records before it (docs/AUDIT.md §Batch signatures)."""
        try:
            size, index, path, root_signature = parse_seal(seal)
        except ValueError as error:
            raise Problem(where, "the stored envelope's batch seal is malformed (%s)" % error)
        if root_signature:
            raise Problem(where, "the stored envelope carries its batch's root signature: a format-6 nexd records it "
                          "once, in a batch record")
        root = seal_root(body, index, size, path)
        if root is None:
            raise Problem(where, "the stored envelope's inclusion proof leads to no root")
        claim = (record["cert"], size, root.hex(), hashlib.sha256(fields["restrictions"]).hexdigest())
        at = self.batches.get(claim)
        if at is None or seq - at > BATCH_WINDOW:
            raise Problem(where, "no batch record of this notice's batch (cert %s, size %d, root %s, restrictions %s) "
                          "among the %d records before it" % (claim[0], size, claim[2], claim[3], BATCH_WINDOW))

    def check_publish(self, record, where, seq, millis):
        fields, body, signature = parse_envelope(base64.b64decode(record["envelope"], validate=True))
        stored = self.certificates.get(record.get("cert"))
        if stored is None:
            raise Problem(where, "originator certificate %s is not stored earlier in the log" % record.get("cert"))
        cert, ca = stored
        if (fields["msg"], fields["sender"], fields["topic"]) != (record.get("msg"), record.get("node"), record.get("topic")):
            raise Problem(where, "record fields differ from the stored envelope")
        if hashlib.sha256(ENVELOPE_DOMAIN + body).hexdigest() != record.get("digest"):
            raise Problem(where, "stored digest does not match the envelope's signed bytes")
        if not algorithm_fits(cert.public_key(), fields["algorithm"]):
            raise Problem(where, "the envelope's signature algorithm %d does not fit the originator certificate's key"
                          % fields["algorithm"])
        if fields["algorithm"] in (3, 4) and self.run_format >= 6:
            # Format 6 (D74): the root signature is in the batch record, verified there.
            self.check_cut_seal(record, where, seq, fields, body, signature)
        elif not verify_envelope(cert.public_key(), fields, body, signature):
            raise Problem(where, "notice signature does not verify with the stored originator certificate")
        names = [a.value for a in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
        if names != [record.get("node")]:
            raise Problem(where, "originator certificate's CN %s is not the record's node %s" % (names, record.get("node")))
        if not is_valid_at(cert, millis):
            raise Problem(where, "accepted at %s, outside the originator certificate's validity" % record["time"])
        if not is_valid_at(ca, millis):
            raise Problem(where, "accepted at %s, outside the issuing CA's validity" % record["time"])
        # Only nexd's audit key signs an expire, and it signs nothing else (D61); with audit
        # certificates given, it is one of them.
        if is_audit_certificate(cert) != (record.get("kind") == "expire"):
            raise Problem(where, "a %s signed with the audit certificate: nexd's audit key signs only expire messages"
                          % record.get("kind") if is_audit_certificate(cert)
                          else "an expire signed by a node's certificate: only nexd's audit key signs expire messages")
        if is_audit_certificate(cert) and self.audit_certs and record.get("cert") not in self.audit_certs:
            raise Problem(where, "an expire signed with audit certificate %s, which is not a given audit certificate "
                          "(--audit-cert)" % record.get("cert"))
        self.signatures += 1

    def check_checkpoint(self, record, where, seq, millis):
        size = record["size"]
        if type(size) is not int or size != seq - 1:
            raise Problem(where, "checkpoint claims tree size %s but covers the %d records before it" % (size, seq - 1))
        if not HEX64.fullmatch(record["root"]):
            raise ValueError("root is not 64 lowercase hex digits")
        cert = self.audit_certs.get(record.get("cert"))
        if cert is None:
            raise Problem(where, "checkpoint names signing certificate %s, not a given audit certificate: a forged "
                          "checkpoint" % record.get("cert"))
        first = crash_seal_first(record, size)
        signature = base64.b64decode(record["signature"], validate=True)
        message = (checkpoint_message(size, record["root"], millis) if first is None
                   else crash_seal_message(size, record["root"], millis, first))
        if not verify_signature(cert.public_key(), signature, message):
            raise Problem(where, "checkpoint signature does not verify with the audit certificate: a forged checkpoint")
        if record["root"] != self.frontier.root().hex():
            raise Problem(where, "checkpoint root does not match the tree of records 1..%d: a record since the "
                          "previous checkpoint was rewritten (and the chain re-hashed)" % size)
        if record.get("frontier") != [h.hex() for h in self.frontier.hashes]:
            raise Problem(where, "checkpoint's stored frontier does not match the tree")
        if self.last_checkpoint_time is not None and millis < self.last_checkpoint_time:
            raise Problem(where, "checkpoint time goes back before the previous checkpoint's")
        if not is_valid_at(cert, millis):
            raise Problem(where, "checkpoint signed outside the audit certificate's validity")
        if first is not None and first > self.sealed_through + 1:
            raise Problem(where, "crash seal covers records %d\u2026%d, but records %d\u2026%d were not sealed before it"
                          % (first, size, self.sealed_through + 1, first - 1))
        if first is not None:
            self.crash_seals.append((seq, first, size))
            print("checkpoint record %d sealed records %d\u2026%d a crashed nexd left (reason sealed-after-crash): "
                  "nexd re-verified them at its next start; no key vouched for them as they were written" % (seq, first, size))
        self.last_checkpoint_time = millis
        self.checkpoints += 1
        # It covers 1..seq-1. It vouches for itself only without `reason`/`detail`, which are not
        # signed (a crash seal): the next checkpoint seals such a one.
        vouches_for_itself = "reason" not in record and "detail" not in record
        self.sealed_through = max(self.sealed_through, seq if vouches_for_itself else seq - 1)


def verify(args):
    """Prints the anchors, returns (status, verdict line)."""
    cas = load_anchors("--ca", args.ca)
    audits = load_anchors("--audit-cert", args.audit_cert)
    for cert, path in cas:
        print("anchor CA %s %s (%s)" % (fingerprint(cert), subject(cert), path))
    for cert, path in audits:
        print("anchor audit certificate %s %s (%s)" % (fingerprint(cert), subject(cert), path))
    if not cas:
        raise Problem("", "no CA certificate: pass --ca PEM (the CA that issued the node and audit certificates)", "CANNOT VERIFY")
    if not audits:
        raise Problem("", "no audit certificate: pass --audit-cert PEM (the certificate of the key that signs "
                      "checkpoints)", "CANNOT VERIFY")
    cas = [cert for cert, _ in cas]
    for cert, path in audits:
        check_audit_certificate(cert, path, cas)
    audit_certs = {fingerprint(cert): cert for cert, _ in audits}

    witnesses = [read_witness(path, path, audit_certs) for path in args.witness]
    sidecar = os.path.join(args.dir, "checkpoint.json")
    if os.path.lexists(sidecar):
        witnesses.append(read_witness("checkpoint.json", sidecar, audit_certs))

    if not os.path.isdir(args.dir):
        raise Problem("", "%s is not a directory" % args.dir, "CANNOT VERIFY")
    segments = []
    for name in sorted(os.listdir(args.dir)):
        if not name.startswith("segment-"):
            continue
        m = SEGMENT.fullmatch(name)
        if not m or name != "segment-%012d.jsonl" % int(m.group(1)):
            raise Problem("file " + name, "named like a segment but is not one (segment-<first sequence, 12 or more "
                          "ASCII digits>.jsonl, as nexd names them): a file was added or renamed")
        segments.append((int(m.group(1)), name))
    segments.sort()
    # nexd's prepared next segment: empty while it runs (or a second name of the last segment for a
    # moment after a rotation, or while nexd cannot sync the directory); after a crash before the
    # segment's own name was durable it holds that segment's records, and is read last (its name
    # announces nothing).
    prepared = os.path.join(args.dir, PREPARED_SEGMENT)
    if os.path.lexists(prepared):
        status = os.lstat(prepared)
        if not stat.S_ISREG(status.st_mode):
            raise Problem("file " + PREPARED_SEGMENT, "is not a regular file")
        last = os.lstat(os.path.join(args.dir, segments[-1][1])) if segments else None
        same_file = last is not None and (last.st_ino, last.st_dev) == (status.st_ino, status.st_dev)
        if status.st_size > 0 and not same_file:  # a second name of the last segment is read once
            segments.append((None, PREPARED_SEGMENT))
    if not segments:
        raise Problem("", "no segment files in %s: nothing to verify" % args.dir, "CANNOT VERIFY")
    walk = Walk(cas, audit_certs, witnesses, not args.no_signatures)
    walk.run(args.dir, segments)

    count = walk.frontier.size
    if walk.torn and walk.torn_is_complete_record:
        return EXIT_TORN_TAIL, ("TORN TAIL: %s is a complete record that lacks its line end (a crash while writing); "
                                "nexd restores the line end at its next start; it and the %d records before it "
                                "verified" % (walk.torn, count - 1))
    if walk.torn:
        return EXIT_TORN_TAIL, ("TORN TAIL: %s is incomplete (a crash while writing); nexd cuts it at its next start; "
                                "the %d complete records before it verified" % (walk.torn, count))
    if walk.sealed_through < count:
        a = walk.sealed_through + 1
        return EXIT_UNSEALED, ("UNSEALED: %d records (record %d to record %d) are after the last checkpoint; only a "
                               "later checkpoint or a witness can vouch for them" % (count - a + 1, a, count))
    # No "record N" or "witness X" in this line: tools take the first of those as what a verdict names.
    seals = ("; %d crash seal(s) (listed above): nexd re-verified those records at its next start, no key vouched "
             "for them as they were written" % len(walk.crash_seals)) if walk.crash_seals else ""
    if args.no_signatures:
        return EXIT_INTACT, ("INTACT: %d records in %d segment(s), all sealed; %d checkpoint(s) and %d witness(es) "
                             "verified; notice signatures and originators were not re-verified (--no-signatures); "
                             "tree root %s" % (count, len(segments), walk.checkpoints, len(witnesses),
                                               walk.frontier.root().hex()) + seals)
    return EXIT_INTACT, ("INTACT: %d records in %d segment(s), all sealed; %d checkpoint(s), %d notice signature(s) "
                         "and %d witness(es) verified; tree root %s" % (count, len(segments), walk.checkpoints,
                                                                        walk.signatures, len(witnesses),
                                                                        walk.frontier.root().hex()) + seals)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir", help="the audit directory (var/audit)")
    ap.add_argument("--ca", action="append", help="trust anchor PEM (repeatable); default Certs/dev/ca.pem if present")
    ap.add_argument("--audit-cert", action="append", help="certificate whose key signs checkpoints (repeatable); "
                    "default Certs/dev/audit.pem if present")
    ap.add_argument("--witness", action="append", default=[], help="a checkpoint a node kept (repeatable)")
    ap.add_argument("--no-signatures", action="store_true", help="skip re-verifying notice signatures")
    args = ap.parse_args()
    for path in args.witness:
        if not os.access(path, os.R_OK) or os.path.isdir(path):
            ap.error("cannot read --witness %s" % path)
    if args.ca is None:
        args.ca = ["Certs/dev/ca.pem"] if os.path.exists("Certs/dev/ca.pem") else []
    if args.audit_cert is None:
        args.audit_cert = ["Certs/dev/audit.pem"] if os.path.exists("Certs/dev/audit.pem") else []
    try:
        status, verdict = verify(args)
    except Problem as problem:
        status, verdict = problem.status(), problem.line()
    print(verdict)
    return status


if __name__ == "__main__":
    sys.exit(main())
