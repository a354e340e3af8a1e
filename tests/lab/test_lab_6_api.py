# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The etcd_lock role with api v2 on the lab, after v3 (the default, tested before).

Both with the Debian clients the role installs by default (python3-etcd for v2,
python3-etcd3gw 2.0.0 for v3) run by /usr/bin/python3 on every host.
"""
from ctdbtest.lab_cluster import healthy, leader_host, lock_holder, lock_value, playbook, wait_healthy, wait_until

SITE = 'playbooks/site.yml'


def test_site_moves_the_lock_to_the_v2_api_and_stays_idempotent(lab):
    assert lock_holder(lab, 'v3') == leader_host(lab)
    for host in lab.hostnames():
        python = lab.on_host(host, ['/usr/bin/python3', '-c', 'import etcd, etcd3gw; print(etcd3gw.__file__)'])
        assert python.stdout.startswith('/usr/lib/python3/dist-packages/'), python.stdout  # Debian's client
    run = playbook(lab, SITE, extra_vars={'etcd_lock_api': 'v2'})
    assert run.rc == 0, run
    assert run.changed_hosts() == lab.hostnames(), run
    assert wait_healthy(lab, timeout=120)
    holder = wait_until(lambda: lock_holder(lab, 'v2'), 60)[0]
    assert holder == leader_host(lab)
    assert lock_value(lab, 'v3') == ''  # the v3 helper released its lock when it stopped
    for host in lab.hostnames():
        config = lab.on_host(host, ['cat', '/etc/ctdb/etcd']).stdout
        assert 'api = v2' in config, config
    again = playbook(lab, SITE, extra_vars={'etcd_lock_api': 'v2'})
    assert again.rc == 0, again
    assert again.changed_hosts() == [], again
    assert healthy(lab)
