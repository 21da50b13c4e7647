#!/bin/sh
# govsec audit: one read-only collection run on a Linux host. It is sent on standard input
# (`sh -s`, or `sudo -n sh -s`) or run locally, and it writes nothing on the host: no
# temporary files, no caches (apt is told not to write its package cache), no service calls
# that change state. Each section is printed as
#     <boundary> <name>            header
#     <base64 of the output>       one line
#     <boundary>= <exit status>    trailer
# The boundary is a random token chosen by the auditor for this run, so no file content can
# forge a section. Raw output is parsed on the auditor's side (secops/audit/facts.py);
# secrets never leave the host: /etc/shadow yields metadata only, grub.cfg a count of lines.
B='@@GOVSEC_BOUNDARY@@'
LC_ALL=C
PATH=/usr/sbin:/usr/bin:/sbin:/bin
export LC_ALL PATH
exec 4>&1

section() { # name command…: the command's stdout, base64, and its exit status
  name=$1
  shift
  printf '%s %s\n' "$B" "$name"
  rc=$( { { "$@" 2>/dev/null; printf '%s' "$?" >&3; } | base64 -w0 >&4; } 3>&1 )
  printf '\n%s= %s\n' "$B" "$rc"
}

file() { # a file's content, status 0: read, 1: missing, 2: unreadable (one process per file)
  printf '%s %s\n' "$B" "file:$1"
  if [ -r "$1" ] && [ ! -d "$1" ]; then
    base64 -w0 -- "$1" 2>/dev/null
    rc=$?
  elif [ -e "$1" ]; then
    rc=2
  else
    rc=1
  fi
  printf '\n%s= %s\n' "$B" "$rc"
}

files() { # every regular file a glob names
  for f in "$@"; do
    [ -f "$f" ] && file "$f"
  done
  return 0
}

have() { # run a tool if it exists, else 127
  command -v "$1" >/dev/null 2>&1 || return 127
  "$@"
}

shadow_meta() { # name:status:lastchg:min:max:warn:inactive:expire; never the hash itself
  [ -r /etc/shadow ] || return 2
  awk -F: '{
    p = $2
    if (p == "") s = "empty"
    else if (p ~ /^[!*]/) s = "locked"
    else if (p ~ /^\$y\$/) s = "yescrypt"
    else if (p ~ /^\$gy\$/) s = "gost-yescrypt"
    else if (p ~ /^\$7\$/) s = "scrypt"
    else if (p ~ /^\$2[abxy]?\$/) s = "bcrypt"
    else if (p ~ /^\$6\$/) s = "sha512"
    else if (p ~ /^\$5\$/) s = "sha256"
    else if (p ~ /^\$1\$/) s = "md5"
    else s = "other"
    print $1 ":" s ":" $3 ":" $4 ":" $5 ":" $6 ":" $7 ":" $8
  }' /etc/shadow
}

stat_paths() { # mode|owner|group|type|path, one per line, for paths that exist
  for p in /etc/passwd /etc/shadow /etc/group /etc/gshadow /etc/sudoers /etc/ssh/sshd_config \
           /etc/crontab /etc/cron.d /etc/cron.daily /etc/cron.hourly /etc/cron.weekly \
           /etc/cron.monthly /etc/cron.allow /etc/at.allow /var/log /var/log/audit \
           /etc/audit /etc/audit/auditd.conf /etc/rsyslog.conf /boot/grub/grub.cfg \
           /boot/grub2/grub.cfg /sbin/auditctl /sbin/auditd /sbin/ausearch /sbin/aureport \
           /sbin/autrace /sbin/augenrules /usr/sbin/auditctl /usr/sbin/auditd \
           /usr/sbin/ausearch /usr/sbin/aureport /usr/sbin/autrace /usr/sbin/augenrules \
           /var/lib/aide/aide.db /var/lib/aide/aide.db.gz /root /tmp /var/tmp; do
    [ -e "$p" ] && stat -c '%a|%U|%G|%F|%n' -- "$p"
  done
  # home folders of login accounts (uid 1000-59999); the path comes last, read as data
  awk -F: '$3 >= 1000 && $3 < 60000 { print $6 }' /etc/passwd | while IFS= read -r home; do
    [ -d "$home" ] && stat -c '%a|%U|%G|%F|%n' -- "$home"
  done
  return 0
}

world_writable() { # files anyone may write, in system folders only; bounded
  find /etc /usr /bin /sbin /boot -xdev -type f -perm -0002 -print0 2>/dev/null | head -c 65536
}

packages() {
  if command -v dpkg-query >/dev/null 2>&1; then
    dpkg-query -W -f='${Package}\t${db:Status-Abbrev}\t${Version}\n'
  elif command -v rpm >/dev/null 2>&1; then
    rpm -qa --qf '%{NAME}\tii \t%{VERSION}-%{RELEASE}\n'
  else
    return 127
  fi
}

security_index() { # Package<TAB>Version of the security repositories, as apt last fetched them
  # Reading apt's lists keeps the audit fast and read-only (`apt-get -s upgrade` takes seconds
  # and may rewrite apt's cache); the auditor compares these with the installed versions.
  # apt may keep its lists compressed (.gz, .lz4, .xz): its own helper reads them all
  helper=/usr/lib/apt/apt-helper
  found=1
  for list in /var/lib/apt/lists/*security*_Packages /var/lib/apt/lists/*security*_Packages.*; do
    [ -r "$list" ] || continue
    found=0
    if [ -x "$helper" ]; then "$helper" cat-file "$list"; else cat -- "$list"; fi |
      awk '/^Package: /{p=$2} /^Version: /{print p "\t" $2}'
  done
  return $found
}

chrony_tracking() { # chronyd's own view of synchronisation; asked only when chronyd runs
  command -v chronyc >/dev/null 2>&1 || return 127
  if command -v pgrep >/dev/null 2>&1; then
    pgrep -x chronyd >/dev/null 2>&1 || return 3
  fi
  chronyc -n -c tracking
}

cron_grep() { # crontab lines naming a word, never whole crontabs (they may hold credentials)
  cw=$1
  for cf in /etc/crontab /etc/cron.d/* /var/spool/cron/crontabs/root /var/spool/cron/root; do
    [ -f "$cf" ] || continue
    [ -r "$cf" ] || return 2
    grep -H -i -- "$cw" "$cf"
  done
  return 0
}

lsm() { # active Linux security modules; 1 when securityfs is not visible (containers)
  [ -r /sys/kernel/security/lsm ] || return 1
  cat /sys/kernel/security/lsm
}

apparmor_profiles() { # loaded profiles and their modes
  [ -d /sys/kernel/security/apparmor ] || return 1
  [ -r /sys/kernel/security/apparmor/profiles ] || return 2
  cat /sys/kernel/security/apparmor/profiles
}

grub_password() { # how many password lines the boot loader has (never the hash)
  for g in /boot/grub/grub.cfg /boot/grub2/grub.cfg /boot/grub2/user.cfg; do
    [ -e "$g" ] || continue
    [ -r "$g" ] || return 2
    grep -c -E '^[[:space:]]*(password|password_pbkdf2)[[:space:]]|GRUB2_PASSWORD=' "$g"
    return 0
  done
  return 1
}

section meta:id id -u
section meta:date date +%s
section meta:hostname hostname
section meta:uname uname -r
section meta:init cat /proc/1/comm
file /etc/os-release
file /etc/govsec-lab

# identification and authentication
file /etc/login.defs
file /etc/default/useradd
files /etc/pam.d/*
file /etc/security/pwquality.conf
files /etc/security/pwquality.conf.d/*.conf
file /etc/security/faillock.conf
file /etc/security/pwhistory.conf
file /etc/security/limits.conf
files /etc/security/limits.d/*.conf
file /etc/passwd
file /etc/group
section shadow:meta shadow_meta
file /etc/ssh/sshd_config
files /etc/ssh/sshd_config.d/*.conf
section cmd:sshd_T have sshd -T
file /etc/profile
files /etc/profile.d/*.sh
file /etc/bash.bashrc
file /etc/sudoers
files /etc/sudoers.d/*
file /etc/issue
file /etc/issue.net
file /etc/hosts.allow
file /etc/hosts.deny
file /etc/fail2ban/jail.local
files /etc/fail2ban/jail.d/*.conf /etc/fail2ban/jail.d/*.local

# security audit and logs
file /etc/audit/auditd.conf
files /etc/audit/rules.d/*.rules
file /etc/audit/audit.rules
section cmd:auditctl_s have auditctl -s
section cmd:auditctl_l have auditctl -l
file /etc/rsyslog.conf
files /etc/rsyslog.d/*.conf
file /etc/logrotate.conf
files /etc/logrotate.d/rsyslog /etc/logrotate.d/syslog /etc/logrotate.d/audit
file /etc/systemd/journald.conf

# time
file /etc/systemd/timesyncd.conf
file /etc/chrony/chrony.conf
file /etc/chrony.conf
files /etc/chrony/conf.d/*.conf /etc/chrony/sources.d/*.sources
files /etc/systemd/timesyncd.conf.d/*.conf
file /etc/ntp.conf
file /etc/ntpsec/ntp.conf
section cmd:timedatectl have timedatectl show
section cmd:chrony_tracking chrony_tracking

# kernel and residual information
section cmd:sysctl have sysctl -a
file /etc/sysctl.conf
files /usr/lib/sysctl.d/*.conf /run/sysctl.d/*.conf /etc/sysctl.d/*.conf
file /etc/systemd/coredump.conf
files /etc/systemd/coredump.conf.d/*.conf
files /etc/modprobe.d/*.conf
section cmd:mounts cat /proc/mounts

# services, software, network
section cmd:systemctl_units have systemctl list-unit-files --type=service --no-legend --no-pager
section cmd:systemctl_running have systemctl list-units --type=service --state=running --no-legend --no-pager
section cmd:rc2d ls -1 /etc/rc2.d
section cmd:service_status have service --status-all
section cmd:systemctl_timers have systemctl list-unit-files --type=timer --no-legend --no-pager
section cmd:cron_aide cron_grep aide
section cmd:ps ps -eo user=,comm=,args=
section cmd:clamav_db ls -1 /var/lib/clamav
section cmd:packages packages
section cmd:security_index security_index
files /etc/apt/apt.conf.d/*
file /etc/default/debsums
section cmd:apt_lists stat -c '%Y|%n' /var/lib/apt/lists/*Release
section cmd:listening have ss -H -tulnp
section cmd:nft have nft list ruleset

# files, integrity, boot
section cmd:stat stat_paths
section cmd:world_writable world_writable
section cmd:grub_password grub_password
file /etc/default/grub
files /etc/default/grub.d/*.cfg
section cmd:cmdline cat /proc/cmdline

# mandatory access control
section cmd:lsm lsm
section cmd:apparmor_profiles apparmor_profiles
file /etc/selinux/config
file /etc/aide/aide.conf
file /etc/default/aide
files /etc/cron.daily/aide /etc/cron.daily/dailyaidecheck /etc/cron.d/aide
printf '%s END\n' "$B"
