# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ctdb_metrics on the lab's real hosts: the role deploys the collector (node_exporter not installed, no
schedule: the hosts share the machine's /etc/cron.d and run no cron), each host's node_exporter (the machine's
Debian binary, started inside the host's namespaces with only the textfile collector) is scraped over HTTP from
the hub, and the values match `ctdb -X nodestatus` / `ctdb -X ip all` before, during and after `ctdb disable`.
Runs on the lab fixture of tests/lab/conftest.py (by file name after test_lab_4_day2, before test_lab_5_playbooks),
and leaves the cluster healthy, every host enabled, its node_exporters stopped and the notification scripts removed
(so that the later tests' restarts do not run the collector).
"""
import re
import sys

import pytest

from ctdbtest.lab_cluster import placement, playbook, wait_until

NODE_EXPORTER = '/usr/bin/prometheus-node-exporter'
DIRECTORY = '/var/lib/ctdb/metrics'  # per host (the lab bind-mounts /var/lib/ctdb)
COLLECTOR = '/usr/local/libexec/ctdb/ctdb_metrics_collector'
NOTIFICATION = '/etc/ctdb/events/notification/ctdb-metrics.script'
LAB_VARS = {'ctdb_metrics_install_node_exporter': False, 'ctdb_metrics_schedule': 'none',
            'ctdb_metrics_textfile_directory': DIRECTORY}
SCRAPE = 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode())'


def values(text):
    """{'name{labels}': value} as node_exporter serves them (labels in name order)."""
    return dict(line.rsplit(' ', 1) for line in text.splitlines() if line.startswith('ctdb_'))


@pytest.fixture
def exporters(converged):
    """node_exporter on every host (HOST:9100, textfile collector only); stopped by its PID afterwards."""
    lab = converged
    pids = {}
    for host in lab.hostnames():
        argv = [NODE_EXPORTER, '--web.listen-address=%s:9100' % lab.address(host), '--collector.disable-defaults',
                '--collector.textfile', '--collector.textfile.directory=%s' % DIRECTORY]
        started = lab.on_host(host, ['sh', '-c', 'exec "$@" >/dev/null 2>&1 </dev/null & echo $!', 'sh'] + argv)
        pids[host] = started.stdout.strip()
    yield lab
    for host, pid in pids.items():
        lab.on_host(host, ['kill', pid], check=False)
        lab.on_host(host, ['rm', '-f', NOTIFICATION], check=False)


def scrape(lab, host):
    """Run the collector on HOST (as cron or the notification hook would), then scrape HOST:9100 from the hub."""
    lab.on_host(host, ['/usr/bin/python3', COLLECTOR, '--directory', DIRECTORY])
    url = 'http://%s:9100/metrics' % lab.address(host)

    def answered():
        done = lab.in_hub([sys.executable, '-c', SCRAPE, url], check=False)
        return done if done.returncode == 0 else None

    done = wait_until(answered, 10, interval=0.2)[0]
    assert done, 'node_exporter of %s did not answer at %s' % (host, url)
    return values(done.stdout)


def truth(lab, host):
    """{pnn: set of flags} from `ctdb -X nodestatus all` and {address: pnn} from `ctdb -X ip all` on HOST."""
    rows = [line.strip('|').split('|') for line in lab.ctdb(host, '-X', 'nodestatus', 'all').stdout.splitlines()
            if line.startswith('|')]
    header = rows[0]
    flags = dict((row[0], set(name.lower() for name, value in zip(header[2:10], row[2:10]) if value == '1'))
                 for row in rows[1:])
    addresses = dict(line.strip('|').split('|') for line in lab.ctdb(host, '-X', 'ip', 'all').stdout.splitlines()
                     if re.match(r'^\|\d', line))
    return flags, addresses


def check_host(lab, host):
    found = scrape(lab, host)
    flags, addresses = truth(lab, host)
    assert found['ctdb_collector_success'] == '1', found
    for pnn, set_flags in flags.items():
        assert found['ctdb_node_healthy{pnn="%s"}' % pnn] == ('0' if set_flags else '1')
        for flag in ('banned', 'disabled', 'unhealthy', 'stopped', 'inactive'):
            assert found['ctdb_node_flag{flag="%s",pnn="%s"}' % (flag, pnn)] == ('1' if flag in set_flags else '0')
    for address, pnn in addresses.items():
        assert found['ctdb_public_address_served{address="%s",pnn="%s"}' % (address, pnn)] == '1'
    assert found['ctdb_public_addresses_unserved'] == '0'
    assert found['ctdb_recovery_mode'] == '0'
    return found


def test_metrics_follow_a_disabled_node(exporters):
    lab = exporters
    run = playbook(lab, 'playbooks/metrics.yml', extra_vars=LAB_VARS)
    assert run.rc == 0, run
    hosts = lab.hostnames()
    before = dict((host, check_host(lab, host)) for host in hosts)
    leaders = [host for host in hosts if before[host]['ctdb_this_node_is_leader'] == '1']
    assert len(leaders) == 1 and before[leaders[0]].get('ctdb_cluster_lock_helper_processes') == '1', before
    # the leader's lock helper recorded that it holds the lock (its state file in the host's /run/ctdb)
    assert before[leaders[0]].get('ctdb_cluster_lock_state{state="holding"}') == '1', before[leaders[0]]
    assert all(before[host].get('ctdb_cluster_lock_state{state="holding"}', '0') == '0'
               for host in hosts if host != leaders[0]), before
    out = hosts[1]
    pnn = before[out]['ctdb_this_node_pnn']
    assert lab.ctdb(out, 'disable').returncode == 0
    try:
        assert wait_until(lambda: all(out not in where for where in placement(lab).values()), 30)[0]
        for host in hosts:
            found = check_host(lab, host)
            assert found['ctdb_node_flag{flag="disabled",pnn="%s"}' % pnn] == '1'
            assert not any(key.endswith('pnn="%s"}' % pnn) and key.startswith('ctdb_public_address_served')
                           for key in found)
    finally:
        assert lab.ctdb(out, 'enable').returncode == 0
    assert wait_until(lambda: all(check_host(lab, host)['ctdb_node_healthy{pnn="%s"}' % pnn] == '1'
                                  for host in hosts), 30, interval=1)[0]
    again = playbook(lab, 'playbooks/metrics.yml', extra_vars=LAB_VARS)
    assert again.rc == 0 and not again.changed_hosts(), again
