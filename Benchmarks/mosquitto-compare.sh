#!/usr/bin/env bash
# Mosquitto comparison for Benchmarks/run: the same payload size and shapes as NoticeExchange's
# scenarios, over mutual TLS (require_certificate true) on 127.0.0.1.
#   qos1_1to1   1 publisher -> 1 subscriber at QoS 1      (compare with S1)
#   qos0_1to10  1 publisher -> 10 subscribers at QoS 0    (compare with S3)
# Rate = (received - subscribers) / (latest last receive - earliest first receive), from
# mosquitto_sub's per-message %U timestamps (Unix seconds.nanoseconds), as in the project's anchor script.
# Usage: mosquitto-compare.sh [N=100000] [reps=3] [payload_bytes=1000]
# Output TSV: "case rep received msgs_per_s". Every process it starts is killed by PID on exit.
# Needs: apt-get install -y mosquitto mosquitto-clients (Benchmarks/run --install-mosquitto does it).
set -uo pipefail
N=${1:-100000}; REPS=${2:-3}; BYTES=${3:-1000}
W=$(mktemp -d); D=$W/mqtt; mkdir -p "$D"
PKI=$W/pki; PORT_TLS=${MQTT_PORT:-18893}
PIDS=()
cleanup() { for p in "${PIDS[@]:-}" $(cat "$W/pids" 2>/dev/null); do [ -n "$p" ] && kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT; trap 'cleanup; exit 130' INT TERM

# Throwaway PKI (EC P-256, as NoticeExchange uses).
mkdir -p "$PKI"
(
  cd "$PKI" || exit 1
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=bench-ca" \
    -keyout ca.key -out ca.crt 2>/dev/null
  for who in server client; do
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=bench-$who" \
      -keyout $who.key -out $who.csr 2>/dev/null
    printf "subjectAltName=IP:127.0.0.1,DNS:localhost\n" > $who.ext
    openssl x509 -req -in $who.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
      -extfile $who.ext -out $who.crt 2>/dev/null
  done
  chmod 644 ./*.key   # throwaway keys; mosquitto drops root to user mosquitto
)
chmod 755 "$W" "$D" "$PKI"
cat > "$D/mosquitto.conf" <<CONF
per_listener_settings false
allow_anonymous true
persistence false
log_dest none
max_queued_messages 0
listener $PORT_TLS 127.0.0.1
cafile $PKI/ca.crt
certfile $PKI/server.crt
keyfile $PKI/server.key
require_certificate true
CONF
# N lines of BYTES bytes each (sequence number + filler; the newline is not sent).
PAY=$D/payload.txt
python3 -c "
f=open('$PAY','w'); fill='x'*max(0,$BYTES-10)
for i in range($N): f.write(f'{i:09d} {fill}\n')"
# mosquitto_pub -l at QoS>0 stops once message ids wrap (65535): publish in chunks of 50000 lines.
split -l 50000 -d "$PAY" "$D/chunk_"
mosquitto -c "$D/mosquitto.conf" & BROKER=$!; PIDS+=("$BROKER"); sleep 0.5
kill -0 "$BROKER" || { echo "mosquitto failed to start" >&2; exit 1; }
TLS="-p $PORT_TLS --cafile $PKI/ca.crt --cert $PKI/client.crt --key $PKI/client.key"
if timeout 3 mosquitto_pub -h 127.0.0.1 -p $PORT_TLS --cafile "$PKI/ca.crt" -t t -m x 2>/dev/null; then
  echo "WARNING: mosquitto accepted a client without a certificate" >&2; fi

run_case() { # qos nsubs
  local qos=$1 ns=$2 topic="bench/$RANDOM" sp=() i
  for i in $(seq 1 "$ns"); do
    # shellcheck disable=SC2086
    timeout 120 mosquitto_sub -h 127.0.0.1 $TLS -q "$qos" -t "$topic" -C "$N" -F '%U' > "$D/sub_$i.ts" &
    sp+=($!); echo $! >> "$W/pids"
  done
  sleep 1
  # shellcheck disable=SC2086
  ( for f in "$D"/chunk_*; do timeout 120 mosquitto_pub -h 127.0.0.1 $TLS -q "$qos" -t "$topic" -l < "$f"; done ) &
  local pp=$!; echo $pp >> "$W/pids"
  for p in "${sp[@]}"; do wait "$p"; done; wait $pp 2>/dev/null
  : > "$W/pids"
  python3 - "$D" "$ns" <<'PY'
import sys
d, ns = sys.argv[1], int(sys.argv[2])
firsts, lasts, tot = [], [], 0
for i in range(1, ns + 1):
    ts = [float(l) for l in open(f"{d}/sub_{i}.ts") if l.strip()]
    if ts: firsts.append(ts[0]); lasts.append(ts[-1]); tot += len(ts)
span = max(lasts) - min(firsts) if firsts else 0  # %U is Unix seconds with a nanosecond fraction
print(tot, f"{(tot - ns) / span:.0f}" if span > 0 else "nan")
PY
}
for rep in $(seq 1 "$REPS"); do
  for c in "1 1 qos1_1to1" "0 10 qos0_1to10"; do
    set -- $c
    res=$(run_case "$1" "$2")
    printf "%s\t%s\t%s\n" "$3" "$rep" "${res// /$'\t'}"
  done
done
