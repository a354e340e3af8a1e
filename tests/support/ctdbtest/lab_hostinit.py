# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""PID 1 of one lab host: its mounts, its hostname, its sshd, and reaping orphans.

ctdbtest.lab runs it as
    ip netns exec NS unshare --mount --uts --pid --fork --mount-proc --propagation private \
        /usr/bin/python3 tests/support/ctdbtest/lab_hostinit.py HOSTDIR HOSTNAME
(by path, with the machine's Python: it imports nothing of ctdbtest)
so everything it mounts exists only in the host's own mount namespace, never in the
machine's. When it exits the kernel ends every process of the host (its PID namespace).
"""
import os
import signal
import subprocess
import sys
import time

# (directory under HOSTDIR, mount point). Each mount point is bind-mounted over by the
# host's own copy; the machine's own directories are never written through them.
BIND_MOUNTS = (
    ('etc/ctdb', '/etc/ctdb'),
    ('etc/samba', '/etc/samba'),
    ('etc/sudoers.d', '/etc/sudoers.d'),
    ('var/lib/ctdb', '/var/lib/ctdb'),
    ('run/ctdb', '/run/ctdb'),
    ('var/log/ctdb', '/var/log/ctdb'),
    ('usr/local/libexec/ctdb', '/usr/local/libexec/ctdb'),
    ('var/lib/samba', '/var/lib/samba'),
    ('var/cache/samba', '/var/cache/samba'),
    ('run/samba', '/run/samba'),
    ('var/log/samba', '/var/log/samba'),
    # One directory of the lab, the same in every host: it stands for the distributed filesystem.
    ('../dfs', '/srv/ctdblab-dfs'),
)
FILE_MOUNTS = (('etc/hosts', '/etc/hosts'),)


def setup(hostdir, hostname):
    for source, target in BIND_MOUNTS + FILE_MOUNTS:
        subprocess.run(['mount', '--bind', os.path.join(hostdir, source), target], check=True)
    subprocess.run(['hostname', hostname], check=True)


def main():
    hostdir, hostname = sys.argv[1], sys.argv[2]
    setup(hostdir, hostname)
    log = open(os.path.join(hostdir, 'sshd.log'), 'ab')  # pylint: disable=consider-using-with
    sshd = subprocess.Popen(['/usr/sbin/sshd', '-D', '-e', '-f', os.path.join(hostdir, 'sshd_config')],
                            stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with open(os.path.join(hostdir, 'ready'), 'w') as ready:
        ready.write('%d\n' % sshd.pid)
    # As PID 1 of the namespace, every orphan (ctdbd daemonised by its init script, etcd)
    # becomes our child: reap them so none stays a zombie.
    while True:
        try:
            os.wait()
        except ChildProcessError:
            time.sleep(1)


if __name__ == '__main__':
    main()
