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

step "6. Lab down: every process, mount, link and file it made is gone"
trap - EXIT
govsec lab down
