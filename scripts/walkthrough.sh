#!/usr/bin/env bash
# The README walk-through, run end to end in a scratch copy of Config/ (its own PKI, audit log and
# a free port), so it never touches your Certs/dev or var/audit. Prints what each node sees.
#   bash scripts/walkthrough.sh          (KEEP=1 keeps the scratch folder and says where)
set -euo pipefail
cd "$(dirname "$0")/.."
swift build >/dev/null
BIN=$(swift build --show-bin-path)
W=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true
  if [ -n "${KEEP:-}" ]; then echo; echo "kept the scratch folder: $W"; else rm -rf "$W"; fi
}
trap cleanup EXIT
mkdir -p "$W/Config"
cp -r Config/examples Config/roster.yaml "$W/Config/"
sed -e 's/^  port: 7247 /  port: 0    /' -e 's/^  port: 9247 /  port: 0    /' Config/nexd.yaml > "$W/Config/nexd.yaml"
cd "$W"
# The message index of `nex audit trace` goes beside the log, not into the user's cache.
export NEX_AUDIT_INDEX_DIR="$W/audit-index"

"$BIN/nexd" 2> nexd.log & PIDS+=($!)
for _ in $(seq 100); do grep -q 'nexd listening' nexd.log && break; sleep 0.1; done
SERVER=127.0.0.1:$(grep -o 'listen.addr=127.0.0.1:[0-9]*' nexd.log | cut -d: -f2)
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
nex() { "$BIN/nex" "$@" --server "$SERVER"; }
sub() { local node=$1 filter=$2 name=${3:-$1}; "$BIN/nex" subscribe "$filter" --node "$node" --server "$SERVER" > "sub-$name.out" 2>&1 & PIDS+=($!); }

step "nexd started on $SERVER (development PKI created in a scratch folder)"
grep -o 'created a development PKI.*' nexd.log || true

step "Subscriptions: the General Secretariat reads requests and hits; border points read notices; NCBs read hits on their country's data or in their country, and diffusions"
sub gs.fr.lyon 'request.>'
sub gs.fr.lyon 'hit.>' gs.fr.lyon-hits
sub bcp.rw.rusumo 'notice.>'
sub bcp.ke.busia 'notice.>'
sub ncb.rw.kigali 'hit.rw.*'
sub ncb.ke.nairobi 'hit.*.ke' ncb.ke.nairobi-hits
for n in ncb.ug.kampala ncb.ke.nairobi ncb.tz.dar-es-salaam; do sub $n 'diffusion.>'; done
sub bcp.ke.busia 'reply.ke' bcp.ke.busia-replies
sub bcp.ke.malaba 'reply.ke' bcp.ke.malaba-replies
sub ncb.ug.kampala 'hit.ug.*' ncb.ug.kampala-hits
sleep 1
step "A border point may not read hits (permissions deny it)"
nex subscribe 'hit.rw.*' --node bcp.rw.rusumo --count 1 || true

step "1. NCB Kigali requests a Red Notice (request.red.rw)"
nex publish Config/examples/request-red.json --node ncb.rw.kigali --topic request.red.rw | tee request.ack
step "2. The General Secretariat publishes the Red Notice (notice.red.rw) to the region's border points, and records its decision"
# The Red Notice names the request it answers ("request", D59), and the decision names both (the
# example's placeholder ids a001 and a002, Config/examples/examples.json); nexd checks that each
# names a request and a notice it accepted, of the same kind and country (D60).
sed "s/\"requested_by\": \"ncb.rw.kigali\",/\"requested_by\": \"ncb.rw.kigali\", \"request\": \"$(awk '{print $3}' request.ack)\",/" Config/examples/red.json > red.json
grep '"request"' red.json
nex publish red.json --node gs.fr.lyon --topic notice.red.rw | tee red.ack
sed -e "s/0190f1d2-7c3a-7000-8000-00000000a001/$(awk '{print $3}' request.ack)/" \
    -e "s/0190f1d2-7c3a-7000-8000-00000000a002/$(awk '{print $3}' red.ack)/" Config/examples/decision.json > decision.json
nex publish decision.json --node gs.fr.lyon --topic decision.rw
step "3. The Busia border point (Kenya) reports a hit on that Red Notice: to the data owner Rwanda, to Kenya's NCB and the GS (hit.rw.ke)"
# Config/examples/hit.json names the matched notice by the Red Notice's placeholder id: put the real one there.
sed "s/0190f1d2-7c3a-7000-8000-00000000a002/$(awk '{print $3}' red.ack)/" Config/examples/hit.json > hit.json
# A hit reports what was observed recently (limits.hitMaxAgeSeconds, D55), and after the notice was accepted (D60): the example's date becomes now.
sed "s/\"observed_at\": \"[^\"]*\"/\"observed_at\": \"$(date -u +%Y-%m-%dT%H:%M:%SZ)\"/" hit.json > hit.now && mv hit.now hit.json
grep notice_message_id hit.json
nex publish hit.json --node bcp.ke.busia --topic hit.rw.ke | tee hit.ack
step "A hit must name the notice's owner: Busia's hit on Rwanda's notice on hit.tz.ke is refused"
nex publish hit.json --node bcp.ke.busia --topic hit.tz.ke || true
step "4. NCB Kigali sends a diffusion to Uganda and Kenya only (Tanzania is subscribed but not named)"
nex publish Config/examples/diffusion.json --node ncb.rw.kigali --topic diffusion.rw --allow-country ug ke | tee diffusion.ack
step "An NCB may not publish a notice (only the General Secretariat does)"
nex publish Config/examples/red.json --node ncb.rw.kigali --topic notice.red.rw || true
step "5. Rwanda's NCB confirms Busia's hit and asks it to detain: reply.ke, addressed to Busia only (Malaba, on reply.ke too, gets nothing)"
sed "s/0190f1d2-7c3a-7000-8000-00000000a003/$(awk '{print $3}' hit.ack)/" Config/examples/hit-ack.json > hit-ack.json
sed "s/0190f1d2-7c3a-7000-8000-00000000a003/$(awk '{print $3}' hit.ack)/" Config/examples/action-request.json > action-request.json
nex publish hit-ack.json --node ncb.rw.kigali --topic reply.ke --allow-node bcp.ke.busia
nex publish action-request.json --node ncb.rw.kigali --topic reply.ke --allow-node bcp.ke.busia
step "6. The person is arrested: the General Secretariat cancels the Red Notice; every border point that holds it is told"
nex notice cancel "$(awk '{print $3}' red.ack)" --node gs.fr.lyon --topic notice.red.rw --reason arrest | tee cancel.ack
step "Nothing follows a cancelled notice"
nex notice cancel "$(awk '{print $3}' red.ack)" --node gs.fr.lyon --topic notice.red.rw --reason death || true
step "7. Uganda's NCB reports a stolen passport (sltd.ug); Malaba matches it by number: the hit goes to Uganda, the issuing country (hit.ug.ke)"
nex publish Config/examples/sltd.json --node ncb.ug.kampala --topic sltd.ug | tee sltd.ack
sed "s/\"observed_at\": \"[^\"]*\"/\"observed_at\": \"$(date -u +%Y-%m-%dT%H:%M:%SZ)\"/" Config/examples/hit-document.json > hit-document.json
nex publish hit-document.json --node bcp.ke.malaba --topic hit.ug.ke
sleep 1

for f in sub-*.out; do step "${f#sub-} received:"; grep -E '^(delivery|  msg|CANCELLED|UPDATED|WITHDRAWN)' "$f" || echo "  (nothing)"; done

kill "${PIDS[0]}"; wait "${PIDS[0]}" 2>/dev/null || true
step "The routing record of the diffusion (recipients and the withheld recipient with its reason)"
grep '"event":"route"' var/audit/segment-*.jsonl | grep '"topic":"diffusion.rw"' | python3 -c 'import json,sys; r=json.loads(sys.stdin.readline()); print(json.dumps({k:r[k] for k in ("seq","event","msg","node","topic","recipients","withheld","restrictions") if k in r}, indent=1))'
step "Verify the audit trail (hash chain, Merkle tree, signed checkpoints, every notice signature)"
"$BIN/nex" audit verify
step "The diffusion's chain of custody"
"$BIN/nex" audit trace "$(awk '{print $3}' diffusion.ack)"
step "The Red Notice's life: request, decision, notice, hit, cancellation (traced from the cancellation)"
"$BIN/nex" audit trace "$(awk '{print $4}' cancel.ack)" | sed -n '/follow-up of/,$p'
step "What the Busia border point received (routes that delivered to it, and its receipts)"
"$BIN/nex" audit query --received-by bcp.ke.busia
step "What happened, in numbers"
"$BIN/nex" audit stats
