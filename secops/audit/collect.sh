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
    else if (p ~ /^\$sm3\$/) s = "sm3"
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

file_inventory() { # setuid/setgid files, unowned files, world-writable folders without the
  # sticky bit, world-writable files: one bounded walk (-xdev, system and shared temporary folders only, not the
  # data under /var or /home; 10 s at most), NUL-separated records kind|mode|owner|group|path;
  # "T|" last when the walk was cut short. Owners are compared by number with the known ids
  # (find's -nouser looks every file up: 5x slower).
  set --
  for d in /etc /usr /bin /sbin /boot /opt /tmp /var/tmp /dev/shm; do
    [ -d "$d" ] && [ ! -L "$d" ] && set -- "$@" "$d"
  done
  uids=$(getent passwd | awk -F: '$3 ~ /^[0-9]+$/ { print $3 }' | sort -un)
  gids=$(getent group | awk -F: '$3 ~ /^[0-9]+$/ { print $3 }' | sort -un)
  [ -n "$uids" ] && [ -n "$gids" ] || return 2
  set -- "$@" -xdev \( -type f -perm /6000 -printf 'S|%m|%u|%g|%p\0' \) , \( \( -true
  for u in $uids; do set -- "$@" ! -uid "$u"; done
  set -- "$@" \) -o \( -true
  for g in $gids; do set -- "$@" ! -gid "$g"; done
  set -- "$@" \) \) -printf 'U|%m|%u|%g|%p\0' , \
    \( -type d -perm -0002 ! -perm -1000 -printf 'W|%m|%u|%g|%p\0' \) , \
    \( -type f -perm -0002 -printf 'F|%m|%u|%g|%p\0' \)
  {
    timeout 10 find "$@" 2>/dev/null
    [ "$?" -eq 124 ] && printf 'T|||timeout|\0'
  } | head -c 262144
  return 0
}

audit_logs() { # H3 (安全审计 c): size|mtime|path of the audit log files, the first record's
  # time of the oldest file ("first|epoch", a number only), and the free space of their
  # filesystem ("df|available KiB|size KiB"): how long the logs the host keeps can last
  d=/var/log/audit
  [ -d "$d" ] || return 1
  [ -r "$d" ] || return 2
  oldest=
  since=
  for f in "$d"/audit.log "$d"/audit.log.*; do
    [ -f "$f" ] || continue
    stat -c '%s|%Y|%n' -- "$f"
    m=$(stat -c '%Y' -- "$f")
    if [ -z "$since" ] || [ "$m" -lt "$since" ]; then since=$m; oldest=$f; fi
  done
  [ -n "$oldest" ] && head -n 1 -- "$oldest" |
    sed -n 's/.*msg=audit(\([0-9][0-9]*\)[.:].*/first|\1/p'
  df -Pk -- "$d" | awk 'NR == 2 { print "df|" $4 "|" $2 }'
  return 0
}

cracklib_probe() { # H3 (身份鉴别 a): does the password dictionary load? size|path of its files
  # (the default and pwquality's dictpath), then cracklib-check's verdict on a fixed word
  for conf in /etc/security/pwquality.conf /etc/security/pwquality.conf.d/*.conf; do
    [ -r "$conf" ] || continue
    awk -F= '/^[[:space:]]*dictpath[[:space:]]*=/ { v = $2; gsub(/^[[:space:]]+|[[:space:]]+$/, "", v); print v }' "$conf"
  done | tail -n 1 | while IFS= read -r dp; do
    [ -n "$dp" ] && printf 'dictpath|%s\n' "$dp" && for x in pwd pwi hwm; do
      [ -f "$dp.$x" ] && stat -c 'dict|%s|%n' -- "$dp.$x"
    done
  done
  for f in /var/cache/cracklib/cracklib_dict.pwd /var/cache/cracklib/cracklib_dict.pwi \
           /var/cache/cracklib/cracklib_dict.hwm /usr/share/cracklib/pw_dict.pwd \
           /usr/share/cracklib/pw_dict.pwi /usr/share/cracklib/pw_dict.hwm; do
    [ -f "$f" ] && stat -c 'dict|%s|%n' -- "$f"
  done
  command -v cracklib-check >/dev/null 2>&1 || return 0
  printf 'check|'
  printf 'password\n' | cracklib-check 2>/dev/null | head -n 1
  return 0
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

sshd_probes() { # H2 (身份鉴别 d, 入侵防范 c): sshd's decision for representative users and
  # addresses, as `sshd -T -C` (~15 ms each): the users named in Match User lines and the
  # first two login accounts (root is judged by the global `sshd -T`), from the first declared
  # management address and from 192.0.2.1 (TEST-NET-1, outside any management network).
  # "== user address" heads each block; only the settings that decide who logs in and how.
  # Names and addresses are checked as data before use, never run.
  command -v sshd >/dev/null 2>&1 || return 127
  users=$( {
    cat /etc/ssh/sshd_config /etc/ssh/sshd_config.d/*.conf 2>/dev/null |
      awk 'tolower($1) == "match" { for (i = 2; i < NF; i++) if (tolower($i) == "user") print $(i + 1) }' |
      tr ',' '\n'
    awk -F: '$3 >= 1000 && $3 < 60000 && $7 !~ /(nologin|false)$/ { print $1 }' /etc/passwd | head -n 2
  } | grep -E '^[A-Za-z0-9_][A-Za-z0-9._-]{0,31}$' | awk '!seen[$0]++' | head -n 4)
  addrs=$( {
    [ -r /etc/govsec/mgmt-sources ] && awk '$1 !~ /^#/ && NF { sub("/.*", "", $1); print $1 }' \
      /etc/govsec/mgmt-sources | head -n 1
    echo 192.0.2.1
  } | grep -E '^[0-9A-Fa-f:.]{2,45}$' | awk '!seen[$0]++')
  for u in $users; do
    for a in $addrs; do
      printf '== %s %s\n' "$u" "$a"
      sshd -T -C "user=$u,host=probe.invalid,addr=$a" 2>/dev/null | grep -E \
        '^(authenticationmethods|allowusers|allowgroups|denyusers|denygroups|permitrootlogin|kbdinteractiveauthentication|passwordauthentication|pubkeyauthentication|usepam|port|listenaddress) '
    done
  done
  return 0
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

# effective privileges (owner: access, sudo/admin roles): for every account, its groups and
# what sudo lets it run as sudo itself resolves the rules (groups, aliases, Defaults), and the
# owners and modes of the role wrappers. Names are data: read line by line, always quoted.
sudo_privileges() { # @@user NAME, @@groups GROUPS, then `sudo -ll -U NAME`, per account
  command -v sudo >/dev/null 2>&1 || return 127
  [ "$(id -u)" = 0 ] || return 2
  names=$(getent passwd | cut -d: -f1 | head -n 5000)
  set -f
  IFS='
'
  # shellcheck disable=SC2086 # one name a line, no globbing
  set -- $names
  unset IFS
  set +f
  [ "$#" -gt 0 ] || return 0
  # one `groups` for every account ("NAME : GROUPS" each, as `id -Gn NAME` lists them; a
  # name holds no colon) instead of one `id` per account
  groups -- "$@" 2>/dev/null | while IFS= read -r line; do
    case $line in *' : '*) ;; *) continue ;; esac # not coreutils' groups: no listing at all
    u=${line%% : *}
    printf '@@user %s\n' "$u"
    printf '@@groups %s\n' "${line#* : }"
    sudo -ll -U "$u" 2>/dev/null
  done
  return 0
}

admin_wrappers() { # mode|owner|group|type|path of the role wrappers and the folders above them
  for p in /usr/local/sbin/mlps-* /usr/local/sbin /usr/local /usr /; do
    [ -e "$p" ] && stat -c '%a|%U|%G|%F|%n' -- "$p"
  done
  return 0
}

sysv_status() { # sysv-rc's view of which services run (every init script's `status`); not
  # asked when systemd is PID 1: its units say it, and the facts read them instead
  [ "$(cat /proc/1/comm 2>/dev/null)" = systemd ] && return 4
  have service --status-all
}

# the processes first, before the branches below start theirs (an init script's `status`, a
# sudo listing or the walk must not be taken for a service running)
section cmd:ps ps -eo user=,comm=,args=

# Three branches run at once (the host's cores work while the network waits): the init
# scripts' status and the sudo listings and the file walk, the slowest sections, each write
# to a pipe that the main branch copies out whole after its own sections. Sections are
# whole units between boundaries, so their order does not matter to the auditor.
{
  exec 4>&1
  section cmd:service_status sysv_status
} | {
{
  exec 4>&1
  section cmd:sudo_privileges sudo_privileges
  section cmd:file_inventory file_inventory
} | {
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
section cmd:systemctl_timers have systemctl list-unit-files --type=timer --no-legend --no-pager
section cmd:cron_aide cron_grep aide
section cmd:clamav_db ls -1 /var/lib/clamav
section cmd:packages packages
section cmd:security_index security_index
files /etc/apt/apt.conf.d/*
file /etc/default/debsums
section cmd:apt_lists stat -c '%Y|%n' /var/lib/apt/lists/*Release
section cmd:listening have ss -H -tulnp
# H2: the firewall as JSON (reachability of sshd), what the role declared, sshd per user/address
section cmd:nft_json have nft -j list ruleset
file /etc/govsec/mgmt-sources
file /etc/govsec/mfa-enrolment-until
section cmd:sshd_probes sshd_probes

# files, integrity, boot
section cmd:stat stat_paths
section cmd:grub_password grub_password
file /etc/default/grub
files /etc/default/grub.d/*.cfg
section cmd:cmdline cat /proc/cmdline
files /usr/lib/systemd/system/rescue.service /usr/lib/systemd/system/emergency.service
files /lib/systemd/system/rescue.service /lib/systemd/system/emergency.service
files /etc/systemd/system/rescue.service /etc/systemd/system/emergency.service
files /etc/systemd/system/rescue.service.d/*.conf /etc/systemd/system/emergency.service.d/*.conf
files /usr/lib/systemd/system/rescue.service.d/*.conf /usr/lib/systemd/system/emergency.service.d/*.conf
file /etc/inittab

# mandatory access control
section cmd:lsm lsm
section cmd:apparmor_profiles apparmor_profiles
file /etc/selinux/config
file /etc/aide/aide.conf
file /etc/default/aide
files /etc/cron.daily/aide /etc/cron.daily/dailyaidecheck /etc/cron.d/aide
# H3: the audit chain (plugins to syslog or a remote auditd, audit log space) and the password
# dictionary (安全审计 c, 身份鉴别 a)
files /etc/audit/plugins.d/*.conf /etc/audisp/plugins.d/*.conf
file /etc/audit/audisp-remote.conf
file /etc/audisp/audisp-remote.conf
files /etc/logrotate.d/auditd
section cmd:audit_logs audit_logs
section cmd:cracklib cracklib_probe
# effective privileges (the account the audit came through; the sudo listings are above)
section cmd:admin_wrappers admin_wrappers
section meta:sudo_user printf '%s' "${SUDO_USER:-}"
cat
}
cat
}
printf '%s END\n' "$B"
