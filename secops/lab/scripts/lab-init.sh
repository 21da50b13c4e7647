#!/bin/sh
# govsec lab host init (run under tini, which reaps): start the services enabled for
# runlevel 2, as sysvinit would, then stay. Lab hosts run no systemd: it would need
# capabilities (sys_admin) that a lab host must not have.
for service in /etc/rc2.d/S*; do
  [ -x "$service" ] && "$service" start
done
exec sleep infinity
