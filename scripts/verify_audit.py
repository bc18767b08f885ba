#!/usr/bin/env python3
"""Independent verifier of a NoticeExchange audit log (docs/AUDIT.md, format version 1).

Written from the specification only (Python stdlib + `cryptography`). Usage:

    scripts/verify_audit.py DIR [--audit-cert PEM] [--witness FILE ...] [--no-signatures]

Exit status: 0 intact, 1 tampered (the first bad record or witness is named), 2 cannot verify,
3 torn final record only.
"""
import argparse, base64, hashlib, json, os, re, struct, sys

CHECKPOINT_DOMAIN = b"NoticeExchange\x00v1\x00checkpoint"
ENVELOPE_DOMAIN = b"NoticeExchange\x00v1\x00env"
SEGMENT = re.compile(r"^segment-(\d{12,})\.jsonl$")
SUFFIX_LEN = 75  # ,"hash":"<64 hex>"}


def sha256(data):
    return hashlib.sha256(data).digest()


def leaf_hash(line):
    return sha256(b"\x00" + line)


def node_hash(left, right):
    return sha256(b"\x01" + left + right)


class Frontier:
    """RFC 6962 compact range: perfect-subtree roots, largest first."""
    def __init__(self):
        self.size, self.hashes = 0, []

    def append(self, leaf):
        h, s = leaf, self.size
        while s & 1:
            h = node_hash(self.hashes.pop(), h)
            s >>= 1
        self.hashes.append(h)
        self.size += 1

    def root(self):
        if not self.hashes:
            return sha256(b"")
        r = self.hashes[-1]
        for h in reversed(self.hashes[:-1]):
            r = node_hash(h, r)
        return r


def parse_time(text):
    import datetime
    m = re.fullmatch(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{3}))?Z", text)
    if not m:
        raise ValueError("bad time %r" % text)
    y, mo, d, h, mi, s, ms = m.groups()
    dt = datetime.datetime(int(y), int(mo), int(d), int(h), int(mi), int(s), tzinfo=datetime.timezone.utc)
    return int(dt.timestamp()) * 1000 + int(ms or 0)


def verify_signature(cert, signature, message):
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519
    from cryptography.exceptions import InvalidSignature
    key = cert.public_key()
    try:
        if isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(signature, message)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, message, ec.ECDSA(hashes.SHA256()))
        else:
            return False
        return True
    except (InvalidSignature, ValueError):
        return False


def cert_fingerprint(cert):
    from cryptography.hazmat.primitives.serialization import Encoding
    return sha256(cert.public_bytes(Encoding.DER)).hex()


def parse_envelope(wire):
    """docs/PROTOCOL.md §3: body ‖ u16 signatureLength ‖ signature; returns (fields, body, sig)."""
    pos = 0
    def take(n):
        nonlocal pos
        if pos + n > len(wire):
            raise ValueError("envelope truncated")
        chunk = wire[pos:pos + n]; pos += n
        return chunk
    def u16(): return struct.unpack(">H", take(2))[0]
    def str16(): return take(u16()).decode("utf-8")
    version = take(1)[0]
    if version != 1:
        raise ValueError("envelope version %d" % version)
    mid = take(16).hex()
    msg = "%s-%s-%s-%s-%s" % (mid[:8], mid[8:12], mid[12:16], mid[16:20], mid[20:])
    sender, topic, kind = str16(), str16(), str16()
    take(8)  # issuedAt
    for _ in range(4):
        for _ in range(u16()):
            str16()
    algorithm = take(1)[0]
    take(struct.unpack(">I", take(4))[0])
    body = wire[:pos]
    sig = take(u16())
    if pos != len(wire):
        raise ValueError("bytes after the signature")
    return {"msg": msg, "sender": sender, "topic": topic, "algorithm": algorithm}, body, sig


class Tampered(Exception):
    def __init__(self, where, reason):
        super().__init__("%s: %s" % (where, reason))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir")
    ap.add_argument("--audit-cert")
    ap.add_argument("--witness", action="append", default=[])
    ap.add_argument("--no-signatures", action="store_true")
    args = ap.parse_args()
    from cryptography import x509
    audit_cert = None
    if args.audit_cert:
        audit_cert = x509.load_pem_x509_certificate(open(args.audit_cert, "rb").read())
    witnesses = [(w, json.load(open(w))) for w in args.witness]
    sidecar = os.path.join(args.dir, "checkpoint.json")
    if os.path.exists(sidecar):
        witnesses.append(("checkpoint.json", json.load(open(sidecar))))

    segments = sorted((int(m.group(1)), name) for name in os.listdir(args.dir) for m in [SEGMENT.match(name)] if m)
    expected, prev, frontier = 1, "0" * 64, Frontier()
    certificates, checkpoints, unchecked, last_ckpt = {}, 0, 0, None
    torn = None
    try:
        for index, (first, name) in enumerate(segments):
            data = open(os.path.join(args.dir, name), "rb").read()
            lines = data.split(b"\n")
            tail = lines.pop()  # b"" when the segment ends with a newline
            if tail:
                if index != len(segments) - 1:
                    raise Tampered("record %d (%s)" % (expected + len(lines), name), "record has no line end in the middle of the log")
                torn = (name, len(lines) + 1, expected + len(lines))
            for number, line in enumerate(lines, 1):
                where = "record %d (%s line %d)" % (expected, name, number)
                if len(line) <= SUFFIX_LEN + 2 or not line[-SUFFIX_LEN:].startswith(b',"hash":"') or not line.endswith(b'"}'):
                    raise Tampered(where, "record is not framed")
                core = line[:-SUFFIX_LEN] + b"}"
                if sha256(core).hex().encode() != line[-66:-2]:
                    raise Tampered(where, "record content does not match its hash: the record was altered")
                record = json.loads(line)
                if record.get("seq") != expected:
                    raise Tampered(where, "sequence %s where %d was expected" % (record.get("seq"), expected))
                if record.get("prev") != prev:
                    raise Tampered(where, "link to the previous record does not match its hash")
                if number == 1 and first != expected:
                    raise Tampered(where, "segment name announces another first sequence")
                event = record.get("event")
                if event == "certificate":
                    der = base64.b64decode(record["certificate"])
                    if sha256(der).hex() != record.get("cert"):
                        raise Tampered(where, "stored certificate does not match its fingerprint")
                    certificates[record["cert"]] = x509.load_der_x509_certificate(der)
                elif event == "checkpoint":
                    if record["size"] != expected - 1:
                        raise Tampered(where, "checkpoint claims tree size %d but covers %d records" % (record["size"], expected - 1))
                    if record["root"] != frontier.root().hex():
                        raise Tampered(where, "checkpoint root does not match the tree of records 1..%d" % (expected - 1))
                    if record["frontier"] != [h.hex() for h in frontier.hashes]:
                        raise Tampered(where, "checkpoint's stored frontier does not match the tree")
                    message = CHECKPOINT_DOMAIN + struct.pack(">Q", record["size"]) + bytes.fromhex(record["root"]) + struct.pack(">q", parse_time(record["time"]))
                    if audit_cert is None:
                        unchecked += 1
                    elif record["cert"] != cert_fingerprint(audit_cert) or not verify_signature(audit_cert, base64.b64decode(record["signature"]), message):
                        raise Tampered(where, "checkpoint signature does not verify with the audit certificate: a forged checkpoint")
                    checkpoints += 1
                    last_ckpt = record["size"]
                elif event == "publish" and record.get("outcome") == "accepted" and not args.no_signatures:
                    fields, body, sig = parse_envelope(base64.b64decode(record["envelope"]))
                    cert = certificates.get(record.get("cert"))
                    if cert is None:
                        raise Tampered(where, "originator certificate is not stored earlier in the log")
                    if (fields["msg"], fields["sender"], fields["topic"]) != (record.get("msg"), record.get("node"), record.get("topic")):
                        raise Tampered(where, "record fields differ from the stored envelope")
                    if sha256(ENVELOPE_DOMAIN + body).hex() != record.get("digest"):
                        raise Tampered(where, "stored digest does not match the envelope's signed bytes")
                    if not verify_signature(cert, sig, ENVELOPE_DOMAIN + body):
                        raise Tampered(where, "notice signature does not verify with the stored originator certificate")
                frontier.append(leaf_hash(line))
                for label, w in witnesses:
                    if w["size"] == frontier.size and w["root"] != frontier.root().hex():
                        raise Tampered("witness " + label, "the log does not extend this checkpoint (size %d)" % w["size"])
                prev = line[-66:-2].decode()
                expected += 1
        for label, w in witnesses:
            if audit_cert is not None:
                message = CHECKPOINT_DOMAIN + struct.pack(">Q", w["size"]) + bytes.fromhex(w["root"]) + struct.pack(">q", parse_time(w["time"]))
                if not verify_signature(audit_cert, base64.b64decode(w["signature"]), message):
                    raise Tampered("witness " + label, "signature does not verify with the audit certificate")
            if w["size"] > frontier.size:
                raise Tampered("witness " + label, "the log ends after record %d but this checkpoint covers %d records: the log was truncated" % (frontier.size, w["size"]))
    except Tampered as problem:
        print("TAMPERED: %s" % problem)
        return 1
    except (ValueError, KeyError, TypeError) as error:
        print("TAMPERED: record %d: malformed: %s" % (expected, error))
        return 1
    print("audit log %s: %d records in %d segments, tree size %d, root %s, %d checkpoints%s" % (
        args.dir, expected - 1, len(segments), frontier.size, frontier.root().hex(), checkpoints,
        "" if last_ckpt is None else " (last covers %d)" % last_ckpt))
    if torn:
        print("TORN TAIL: %s line %d (record %d); nexd repairs it at its next start" % torn)
        return 3
    if unchecked:
        print("CANNOT VERIFY: %d checkpoint signatures not checked; pass --audit-cert" % unchecked)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
