#!/usr/bin/env bash
# `make demo`: the whole govsec loop on a disposable local fleet. Each capability adds its step.
# Needs root (the lab makes namespaces, mounts and links); the Makefile puts .venv/bin on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
pids=()  # background processes, stopped in reverse order on exit
cleanup() {
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill -INT "${pids[i]}" 2>/dev/null || true; done
  wait 2>/dev/null || true
  govsec lab down --quiet || true
}
trap cleanup EXIT

step "0. The landing zone, offline: a 5-department provincial cloud planned under Pulumi's mocks, the 20 MLPS cloud policies checked"
govsec infra plan --topology infra/topologies/province.yaml --format json \
  | python3 -c 'import json, sys; p = json.load(sys.stdin); print(p["resources"], "resources on", p["provider"] + ",", len(p["zone_graph"]), "allowed flows (default deny)")'
govsec infra check --topology infra/topologies/province.yaml
govsec infra check --topology infra/topologies/province.yaml --provider openstack

step "1. A lab of 3 real Debian hosts: own namespaces, overlayfs root, sshd, no route out"
govsec lab up --hosts 3

step "2. Each host over SSH with the lab key; host keys checked against the lab's known_hosts"
hosts=$(govsec lab status --format json \
  | python3 -c 'import json, sys; print(" ".join(h["name"] for h in json.load(sys.stdin)["hosts"]))')
for host in $hosts; do
  ssh -F inventories/lab/ssh_config -o BatchMode=yes "$host" \
    'printf "%-6s %-32s kernel %s\n" "$(hostname)" "$(. /etc/os-release && echo "$PRETTY_NAME")" "$(uname -r)"'
done

step "3. Ansible reaches every host through the generated inventory (host-key checking on)"
ansible -i inventories/lab/hosts.yml all -m ping

out="demo-output/audit-$(date -u +%Y%m%dT%H%M%SZ)"
step "4. Audit the fleet at MLPS level 3: one SSH session per host, read-only, evidence and verdicts hash-chained and signed (SM2)"
# no --fail-under: fresh hosts are expected to fail many checks until they are hardened
govsec audit -i inventories/lab/hosts.yml --level 3 -o "$out"

step "5. The auditor's report in Chinese and English (HTML, PDF, JSON, JUnit), evidence verified"
govsec report build "$out" -o "$out/report-zh.html" --lang zh --pdf
govsec report build "$out" -o "$out/report-en.html" --lang en --pdf
govsec report verify "$out/evidence.jsonl"
echo "results and reports: $(pwd)/$out"
# an auditee who turns every fail into a pass gets no report that calls the evidence intact
tampered="$out-tampered"
cp -r "$out" "$tampered"
python3 - "$tampered/results.json" <<'PY'
import json, sys
path = sys.argv[1]
run = json.load(open(path, encoding="utf-8"))
for host in run["hosts"]:
    for check in host["checks"]:
        check["status"] = "pass" if check["status"] == "fail" else check["status"]
run["fleet_score"] = 100.0
json.dump(run, open(path, "w", encoding="utf-8"))
PY
if govsec report build "$tampered" -o "$tampered/report.html" 2>"$tampered/refused.txt"; then
  echo "demo: a report was built from edited verdicts" >&2
  exit 1
fi
echo "edited results refused:"
head -n 1 "$tampered/refused.txt"

# the system's assessment before hardening: the baseline the final assessment is compared with
govsec assess inventories/example/system.yaml --audits "$out" -o "$out/assessment-before" --report-lang zh >/dev/null

step "6. The SIEM listens where the hardened hosts will forward their logs (rsyslog, TCP, RFC 5424)"
collector=$(python3 -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["all"]["vars"]["mlps_syslog_collector"])' \
  inventories/lab/hosts.yml)
store="sqlite://$(pwd)/$out/events.db"
govsec siem listen --syslog "$collector" --store "$store" --quiet &
listener=$!
pids+=("$listener")
echo "govsec siem listen on $collector (pid $listener), events in $store"

step "7. Monitoring on loopback: govsec serve, Prometheus with monitors/rules, Alertmanager with monitors/alertmanager's tree"
# govsec serve exports this demo's audits, store and alerts, and receives Alertmanager's
# webhook; the stack runs Debian's prometheus and prometheus-alertmanager with the shipped
# rules and routing tree (route timers shortened, mail and WeCom pointed at a closed port)
notifications="$out/notifications.db"
serve_addr="127.0.0.1:$(free_port)"
govsec serve --listen "$serve_addr" --store "$store" --audits "$out" --notifications "$notifications" --quiet &
pids+=("$!")
mkdir -p "$out/monitoring"
python -m monitors.stack --dir "$out/monitoring" --serve "$serve_addr" > "$out/monitoring/urls" &
pids+=("$!")
for _ in $(seq 60); do grep -q alertmanager "$out/monitoring/urls" 2>/dev/null && break; sleep 1; done
read -r _ prom_url _ am_url < "$out/monitoring/urls"
echo "govsec serve http://$serve_addr; Prometheus $prom_url; Alertmanager $am_url"
curl -s --retry 30 --retry-connrefused --retry-delay 1 "http://$serve_addr/metrics" | grep '^govsec_compliance_score_ratio'
notified() {  # how many hosts have a notification of $1 in state $2 at govsec's webhook
  govsec alerts notifications --store-path "$notifications" --format json | python3 -c '
import json, sys
rows = json.load(sys.stdin)
print(len({r["labels"].get("host") for r in rows if r["labels"].get("alertname") == sys.argv[1] and r["status"] == sys.argv[2]}))' "$1" "$2"
}
for _ in $(seq 90); do [ "$(notified MLPSComplianceScoreLow firing)" -ge 3 ] && break; sleep 1; done
echo "the unhardened hosts score under the 70-point pass line: Prometheus fires, Alertmanager notifies govsec's webhook"
govsec alerts notifications --store-path "$notifications" --limit 6

step "8. Harden the fleet to MLPS level 3 (Ansible role mlps_baseline through ansible-runner)"
# the three-administrator separation, with a throwaway key per administrator
mkdir -p "$out/admins"
for role in sysadmin secadmin audadmin; do
  ssh-keygen -q -t ed25519 -N '' -C "$role@demo" -f "$out/admins/$role" <<< y >/dev/null
done
# the lab's subnet plays the management network: SSH is reachable from it and from nowhere else
subnet=$(govsec lab status --format json | python3 -c 'import json, sys; print(json.load(sys.stdin)["subnet"])')
python3 - "$out" "$subnet" <<'PY'
import json, pathlib, sys
out = pathlib.Path(sys.argv[1])
admins = [{"name": r[:3] + "adm1", "role": r, "key": (out / "admins" / f"{r}.pub").read_text().strip()}
          for r in ("sysadmin", "secadmin", "audadmin")]
# no internet here, so no ClamAV mirror: clamd runs on the site's own signatures
(out / "harden-vars.json").write_text(
    json.dumps({"mlps_admin_accounts": admins, "mlps_ssh_mgmt_sources": [sys.argv[2]]})
)
PY
govsec harden -i inventories/lab/hosts.yml --level 3 -e "$out/harden-vars.json"

step "9. Audit again: the same checks, after hardening; the compliance alert resolves"
govsec audit -i inventories/lab/hosts.yml --level 3 -o "$out/after"
python3 - "$out" <<'PY'
import json, pathlib, sys
out = pathlib.Path(sys.argv[1])
before = json.loads((out / "results.json").read_text())
after = json.loads((out / "after" / "results.json").read_text())
print(f"{'host':<8} {'before':>7} {'after':>7}")
for b, a in zip(before["hosts"], after["hosts"]):
    print(f"{b['name']:<8} {b['score']:>7.1f} {a['score']:>7.1f}")
print(f"{'fleet':<8} {before['fleet_score']:>7.1f} {after['fleet_score']:>7.1f}")
PY
# the remediation plan of the first audit, retested by this one (整改计划 with 复测结果)
govsec report build "$out" -o "$out/report-zh.html" --lang zh --retest "$out/after" >/dev/null
python3 - "$out/report-zh.gaps.xlsx" <<'PY'
import sys
from openpyxl import load_workbook
plan = load_workbook(sys.argv[1])["整改计划"]
rows = list(plan.iter_rows(min_row=2, values_only=True))
fixed = sum(1 for row in rows if row[-1] == "已整改")
print(f"remediation plan: {len(rows)} tasks, retest after hardening: {fixed} 已整改 ({sys.argv[1]})")
PY
for _ in $(seq 90); do [ "$(notified MLPSComplianceScoreLow resolved)" -ge 3 ] && break; sleep 1; done
[ "$(notified MLPSComplianceScoreLow resolved)" -ge 3 ] || { echo "the compliance alert did not resolve" >&2; exit 1; }
govsec alerts notifications --store-path "$notifications" --limit 6

step "10. An SSH login to lab01 arrives in the SIEM through the host's own rsyslog"
ssh -F inventories/lab/ssh_config -o BatchMode=yes lab01 true
for _ in $(seq 60); do
  found=$(govsec siem search "Accepted publickey" --host lab01 --store "$store" --format json \
    | python3 -c 'import json, sys; print(len(json.load(sys.stdin)))')
  [ "$found" -gt 0 ] && break
  sleep 1
done
govsec siem search "Accepted publickey" --host lab01 --store "$store" --limit 3

step "11. Detection runs on the stored events; its alerts go to the same Alertmanager"
# detection alerts carry severity, rule, host, mlps_control and mlps_area: the shipped tree
# sends them to the SOC and, like every alert, to govsec's webhook
govsec detect run --follow --store "$store" --alertmanager "$am_url" --quiet &
pids+=("$!")
echo "govsec detect run --follow (pid $!) -> $am_url"

step "12. An attack on lab01: SSH brute force from lab02, then a privilege escalation on lab01"
target=$(govsec lab status --format json \
  | python3 -c 'import json, sys; print(next(h["address"] for h in json.load(sys.stdin)["hosts"] if h["name"] == "lab01"))')
# Level 3 offers no password login (key, then a one-time code), so the attacker on lab02 (inside
# the management network) guesses keys for a real administrator: twelve keys of its own, one
# connection each, as key-spraying tools do; sshd logs each "Failed publickey" (LogLevel
# VERBOSE). A guess in flight when a ban lands must not hang: timeout and keep-alives.
govsec lab exec lab02 sh -c 'for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
    ssh-keygen -q -t ed25519 -N "" -f /tmp/guess$i </dev/null >/dev/null
    timeout 20 setsid -w ssh -n -i /tmp/guess$i -o IdentitiesOnly=yes -o BatchMode=yes \
      -o ServerAliveInterval=2 -o ServerAliveCountMax=2 \
      -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
      -o PreferredAuthentications=publickey -o ConnectTimeout=5 \
      "sysadm1@'"$target"'" true 2>/dev/null &
  done; wait; true'
# privilege escalation on lab01: a user outside sudoers tries sudo, then a second UID 0 account
govsec lab exec lab01 useradd -m -s /bin/bash mallory
govsec lab exec lab01 sh -c 'runuser -u mallory -- sudo -S -p "" id < /dev/null' || true
govsec lab exec lab01 useradd -o -u 0 -g 0 -M -s /bin/bash toor
seen() {  # how many of the attack's three alerts are recorded
  govsec alerts list --store "$store" --format json | python3 -c '
import json, sys
titles = " ".join(a["rule"]["title"] for a in json.load(sys.stdin)).lower()
print(sum(k in titles for k in ("brute force", "sudo", "uid 0")))'
}
for _ in $(seq 60); do
  [ "$(seen)" -ge 3 ] && break
  sleep 1
done
count=$(govsec alerts list --store "$store" --format json | python3 -c 'import json, sys; print(len(json.load(sys.stdin)))')
govsec alerts list --store "$store"

step "13. The same alerts at Alertmanager, with the labels its routing uses, and at govsec's webhook"
for _ in $(seq 30); do
  n=$(amtool --alertmanager.url="$am_url" alert query -o json 'rule=~".+"' | python3 -c 'import json, sys; print(len(json.load(sys.stdin)))')
  [ "$n" -ge "$count" ] && break
  sleep 1
done
amtool --alertmanager.url="$am_url" alert query -o extended 'rule=~".+"'
sleep 3  # the webhook route's group wait
govsec alerts notifications --store-path "$notifications" --limit 12
govsec siem stats --store "$store"

step "14. The system's MLPS assessment (govsec assess): every level-3 item on every object — hosts, landing zone, devices, management — 高风险 first, score and conclusion, signed"
# the newest verified audit of each host (after hardening), the province landing zone on
# OpenStack, the example questionnaire with its attachments, govsec's own operations evidence
govsec assess inventories/example/system.yaml --audits "$out" -o "$out/assessment" \
  --previous "$out/assessment-before" --pdf
govsec report verify "$out/assessment"
python3 - "$out/assessment/assessment.json" <<'PY'
import json, sys
a = json.load(open(sys.argv[1], encoding="utf-8"))
changed = sum(1 for i in a["items"] if a["previous"].get(i["id"]) not in (None, i["verdict"]))
high = [r["id"] for r in a["high_risks"] if r["state"] == "determined"]
print(f"{len(a['items'])} items on {len(a['targets'])} objects: conclusion {a['score']['conclusion']},"
      f" score {a['score']['overall']}, high risks {high or 'none'}; {changed} items changed since before hardening")
PY
echo "reports: $(pwd)/$out/assessment/report.zh.html, report.en.html (PDF: executive part), gaps.zh.xlsx, gaps.en.xlsx"

step "15. Lab down: every process, mount, link and file it made is gone"
trap - EXIT
cleanup
