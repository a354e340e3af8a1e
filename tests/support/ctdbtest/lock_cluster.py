# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A sandbox cluster whose cluster lock is the etcd helper: who leads, and which node holds the lock."""
import os
import re
import subprocess


def parse_status(text):
    """`ctdb status` text -> (leader pnn or None, recovery mode name or None)."""
    leader = re.search(r'^(?:Leader|Recovery master):(\d+)', text, re.M)
    mode = re.search(r'^Recovery mode:(\w+)', text, re.M)
    return (int(leader.group(1)) if leader else None, mode.group(1) if mode else None)


def ancestors(pid):
    """pid and its parents, up to init."""
    chain = []
    while pid and pid > 1:
        chain.append(pid)
        try:
            with open('/proc/%d/status' % pid) as handle:
                pid = int(re.search(r'^PPid:\s+(\d+)', handle.read(), re.M).group(1))
        except (OSError, AttributeError):
            break
    return chain


def lock_holder_node(cluster, etcd, api, key):
    """Which node's ctdbd the helper that holds key runs under (None if no holder)."""
    value = etcd.tree(api, os.path.dirname(key) + '/').get(key)
    if not value:
        return None
    pid = int(value.split(':')[1])
    chain = ancestors(pid)
    for index in range(cluster.nodes):
        ctdbd = cluster.ctdbd_pid(index)
        if ctdbd and ctdbd in chain[1:]:
            return index
    return None


def cluster_view(cluster, nodes):
    """{node: (leader, recovery mode)} as each live node reports it."""
    view = {}
    for index in nodes:
        try:
            # during recovery `ctdb status` can block: bound it
            result = cluster.ctdb(index, '-t', '2', 'status', timeout=3)
        except subprocess.TimeoutExpired:
            view[index] = (None, None)
            continue
        view[index] = parse_status(result.stdout) if result.returncode == 0 else (None, None)
    return view
