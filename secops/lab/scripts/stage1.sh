#!/bin/sh
# First stage of a govsec lab host. Runs as PID 1 of fresh PID, mount, UTS, IPC and network
# namespaces (made by unshare), with this machine's tools, and turns them into a host:
# overlay root, its own /proc with /proc/sys read-only outside net/, a minimal /dev, hostname,
# pivot_root, then the host's init with a reduced capability bounding set.
# Arguments arrive as data ("$1" …), never as shell code.
set -eu
base=$1 upper=$2 work=$3 root=$4 name=$5 caps=$6

mount --make-rprivate /
mount -t overlay overlay -o "lowerdir=$base,upperdir=$upper,workdir=$work" "$root"
cd "$root"

mount -t proc -o nosuid,nodev,noexec proc proc
# /proc/sys read-only but for net/, which belongs to the host's own network namespace
mount --bind proc/sys proc/sys
mount --bind proc/sys/net proc/sys/net
mount -o remount,bind,ro,nosuid,nodev,noexec proc/sys
for p in sysrq-trigger irq bus fs; do
  if [ -e "proc/$p" ]; then
    mount --bind "proc/$p" "proc/$p"
    mount -o remount,bind,ro "proc/$p"
  fi
done
mount -t sysfs -o ro,nosuid,nodev,noexec sysfs sys

# /dev: only the harmless character devices, and a private pts instance for ssh sessions
mount -t tmpfs -o mode=755,nosuid,noexec,size=256k dev dev
for d in null zero full random urandom tty; do
  : > "dev/$d"
  mount --bind "/dev/$d" "dev/$d"
done
mkdir dev/pts dev/shm
mount -t devpts -o newinstance,ptmxmode=0666,mode=0620,gid=5,nosuid,noexec devpts dev/pts
mount -t tmpfs -o nosuid,nodev,mode=1777 shm dev/shm
ln -s pts/ptmx dev/ptmx
ln -s /proc/self/fd dev/fd
ln -s /proc/self/fd/0 dev/stdin
ln -s /proc/self/fd/1 dev/stdout
ln -s /proc/self/fd/2 dev/stderr
mount -t tmpfs -o nosuid,nodev,mode=755 run run
mkdir -m 1777 run/lock

hostname "$name"

mkdir run/.oldroot
pivot_root . run/.oldroot
cd /
umount -l /run/.oldroot
rmdir /run/.oldroot

exec /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  LANG=C.UTF-8 container=govsec-lab \
  /usr/bin/setpriv --bounding-set "$caps" --inh-caps -all --ambient-caps -all -- \
  /usr/bin/tini -- /usr/local/sbin/govsec-lab-init
