#!/usr/bin/env bash
# `make demo`: the whole govsec loop on a disposable local fleet. Each capability adds its step.
# Needs root (the lab makes namespaces, mounts and links); the Makefile puts .venv/bin on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
trap 'govsec lab down --quiet || true' EXIT

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
step "4. Audit the fleet at MLPS level 3: one SSH session per host, read-only, evidence hash-chained"
# no --fail-under: fresh hosts are expected to fail many checks until they are hardened
govsec audit -i inventories/lab/hosts.yml --level 3 -o "$out"

step "5. The auditor's report in Chinese and English (HTML, PDF, JSON, JUnit), evidence verified"
govsec report build "$out" -o "$out/report-zh.html" --lang zh --pdf
govsec report build "$out" -o "$out/report-en.html" --lang en --pdf
govsec report verify "$out/evidence.jsonl"
echo "results and reports: $(pwd)/$out"

step "6. The SIEM listens where the hardened hosts will forward their logs (rsyslog, TCP, RFC 5424)"
collector=$(python3 -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["all"]["vars"]["mlps_syslog_collector"])' \
  inventories/lab/hosts.yml)
store="sqlite://$(pwd)/$out/events.db"
govsec siem listen --syslog "$collector" --store "$store" --quiet &
listener=$!
trap 'kill -INT "$listener" 2>/dev/null || true; govsec lab down --quiet || true' EXIT
echo "govsec siem listen on $collector (pid $listener), events in $store"

step "7. Harden the fleet to MLPS level 3 (Ansible role mlps_baseline through ansible-runner)"
# the three-administrator separation, with a throwaway key per administrator
mkdir -p "$out/admins"
for role in sysadmin secadmin audadmin; do
  ssh-keygen -q -t ed25519 -N '' -C "$role@demo" -f "$out/admins/$role" <<< y >/dev/null
done
python3 - "$out" <<'PY'
import json, pathlib, sys
out = pathlib.Path(sys.argv[1])
admins = [{"name": r[:3] + "adm1", "role": r, "key": (out / "admins" / f"{r}.pub").read_text().strip()}
          for r in ("sysadmin", "secadmin", "audadmin")]
# no internet here, so no ClamAV mirror: clamd runs on the site's own signatures
(out / "harden-vars.json").write_text(json.dumps({"mlps_admin_accounts": admins}))
PY
govsec harden -i inventories/lab/hosts.yml --level 3 -e "$out/harden-vars.json"

step "8. Audit again: the same checks, after hardening"
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

step "9. An SSH login to lab01 arrives in the SIEM through the host's own rsyslog"
ssh -F inventories/lab/ssh_config -o BatchMode=yes lab01 true
for _ in $(seq 60); do
  found=$(govsec siem search "Accepted publickey" --host lab01 --store "$store" --format json \
    | python3 -c 'import json, sys; print(len(json.load(sys.stdin)))')
  [ "$found" -gt 0 ] && break
  sleep 1
done
govsec siem search "Accepted publickey" --host lab01 --store "$store" --limit 3

step "10. Detection runs on the stored events; its alerts go to an Alertmanager on loopback"
# Debian's Alertmanager, on 127.0.0.1 only, no cluster port: the place notification routing
# lives (severity, rule, host, mlps_control labels); govsec's outbox retries while it is down
mkdir -p "$out/alertmanager"
cat > "$out/alertmanager/alertmanager.yml" <<'YML'
route:
  receiver: soc
  group_by: [alertname, host]
  group_wait: 1s
  routes:
    - matchers: ['severity=~"high|critical"']
      receiver: soc-oncall
receivers:
  - name: soc
  - name: soc-oncall
YML
am_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
prometheus-alertmanager --config.file="$out/alertmanager/alertmanager.yml" \
  --storage.path="$out/alertmanager" --web.listen-address="127.0.0.1:$am_port" \
  --cluster.listen-address= --log.level=warn &
am=$!
am_url="http://127.0.0.1:$am_port"
govsec detect run --follow --store "$store" --alertmanager "$am_url" --quiet &
detector=$!
trap 'kill -INT "$detector" "$listener" 2>/dev/null || true; kill "$am" 2>/dev/null || true; govsec lab down --quiet || true' EXIT
echo "Alertmanager $am_url (pid $am); govsec detect run --follow (pid $detector)"

step "11. An attack on lab01: SSH brute force from lab02, then a privilege escalation on lab01"
target=$(govsec lab status --format json \
  | python3 -c 'import json, sys; print(next(h["address"] for h in json.load(sys.stdin)["hosts"] if h["name"] == "lab01"))')
# twelve password guesses at once from lab02 (as attack tools do), each its own connection:
# sshd logs each "Failed password" before fail2ban on lab01 can ban lab02. A guess still in
# flight when the ban lands would wait for ever on dropped packets: timeout and keep-alives.
govsec lab exec lab02 sh -c 'printf "#!/bin/sh\necho wrong-password\n" > /tmp/askpass; chmod 700 /tmp/askpass
  for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
    SSH_ASKPASS=/tmp/askpass SSH_ASKPASS_REQUIRE=force DISPLAY=none timeout 20 setsid -w ssh -n \
      -o ServerAliveInterval=2 -o ServerAliveCountMax=2 \
      -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o PubkeyAuthentication=no \
      -o PreferredAuthentications=password -o NumberOfPasswordPrompts=1 -o ConnectTimeout=5 \
      "admin$i@'"$target"'" true 2>/dev/null &
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

step "12. The same alerts at Alertmanager, with the labels its routing uses"
for _ in $(seq 30); do
  n=$(amtool --alertmanager.url="$am_url" alert query -o json | python3 -c 'import json, sys; print(len(json.load(sys.stdin)))')
  [ "$n" -ge "$count" ] && break
  sleep 1
done
amtool --alertmanager.url="$am_url" alert query -o extended
kill -INT "$detector" "$listener"
wait "$detector" "$listener" || true
kill "$am"; wait "$am" || true
govsec siem stats --store "$store"

step "13. Lab down: every process, mount, link and file it made is gone"
trap - EXIT
govsec lab down
