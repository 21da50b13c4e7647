#!/usr/bin/env bash
# Installs the Debian packages govsec needs on this machine. Quick when they are all there.
set -euo pipefail

packages=(
  python3-venv      # the .venv
  python3-dev       # Python.h, and gcc: mypyc compiles the intake's hot modules (secops/native.py)
  gcc
  debootstrap       # the lab's Debian base
  openssh-client    # ssh and ssh-keygen: lab keys, reaching lab hosts
  apt-cacher-ng     # package access for lab hosts, which have no route out
  iproute2          # bridge and veth links for the lab
  util-linux        # unshare, nsenter, setpriv
  ca-certificates
  openssl           # SM2/SM3 signatures of the evidence bundle (secops/report/signing.py)
  libpango-1.0-0    # WeasyPrint lays out the PDF report with Pango
  libpangoft2-1.0-0 # Pango's fontconfig backend, for WeasyPrint
  libharfbuzz-subset0 # WeasyPrint subsets the fonts it embeds
  fonts-wqy-microhei # the CJK font the report (HTML and PDF) asks for
  poppler-utils     # pdffonts, pdftotext, pdftoppm: the report tests read the PDF
  chromium          # headless browser: the report tests load the HTML in it
  prometheus-alertmanager # alerts go to a real Alertmanager (tests and demo run it on loopback)
  prometheus        # promtool checks and tests monitors/rules; tests and demo run it on loopback
  curl              # the demo reads govsec serve's /metrics as a person would
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "setup: these Debian packages are missing and installing them needs root: ${missing[*]}" >&2
  exit 1
fi

echo "setup: installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

# apt-cacher-ng's own service would listen on every address of this machine. govsec runs a
# private instance bound to the lab bridge only, so the system-wide one is switched off.
if [[ " ${missing[*]} " == *" apt-cacher-ng "* ]]; then
  if [ -d /run/systemd/system ]; then
    systemctl disable --now apt-cacher-ng >/dev/null 2>&1 || true
  else
    service apt-cacher-ng stop >/dev/null 2>&1 || true
    update-rc.d apt-cacher-ng disable >/dev/null 2>&1 || true
  fi
fi
# The packaged Prometheus and Alertmanager services would listen on every address (:9090,
# :9093, :9094 cluster, and node_exporter's :9100). govsec starts its own on loopback with its
# own configs when asked (tests, demo).
for service in prometheus prometheus-alertmanager prometheus-node-exporter; do
  [[ " ${missing[*]} " == *" ${service%-node-exporter} "* ]] || continue
  if [ -d /run/systemd/system ]; then
    systemctl disable --now "$service" >/dev/null 2>&1 || true
  else
    service "$service" stop >/dev/null 2>&1 || true
    update-rc.d "$service" disable >/dev/null 2>&1 || true
  fi
done
