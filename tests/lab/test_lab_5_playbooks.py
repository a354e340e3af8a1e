# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The day-2 playbooks over SSH on the lab's real hosts (ctdbd in normal mode, public addresses on eth0).

maintenance.yml takes a host out (its addresses leave its eth0) and back; a converge
(site.yml) leaves it out and does not wait for it; rolling_restart.yml restarts every ctdbd
while a watcher reading every host's eth0 never sees an address on no host for longer than one move,
and refuses to take a host out while an administrator has another one out;
status.yml reports where each address is and a tunable changed by hand on one host.
Runs on the lab fixture of tests/lab/conftest.py (ctdbtest.lab, ctdbtest.lab_cluster).
"""
import threading
import time

import pytest

from ctdbtest import ADDRESS_GAP_BOUND, longest_gaps
from ctdbtest.lab_cluster import healthy, placement, playbook, wait_until

SITE = 'playbooks/site.yml'


def flags(lab, host):
    done = lab.ctdb(host, '-X', 'nodestatus')
    rows = [line.strip('|').split('|') for line in done.stdout.splitlines() if line.startswith('|')]
    header, row = rows[0], rows[1]
    columns = ('Disconnected', 'Unknown', 'Banned', 'Disabled', 'Unhealthy', 'Stopped', 'Inactive', 'PartiallyOnline')
    return sorted(name for name, value in zip(header, row) if name in columns and value == '1')


def test_maintenance_out_and_back_and_a_converge_leaves_it_out(converged):
    lab = converged
    host = lab.hostnames()[1]
    out = playbook(lab, 'playbooks/maintenance.yml',
                   extra_vars={'ctdb_maintenance_host': host, 'ctdb_maintenance_state': 'disabled'})
    assert out.rc == 0, out
    assert flags(lab, host) == ['Disabled']
    where = placement(lab)
    assert all(len(hosts) == 1 and hosts != [host] for hosts in where.values()), where
    started = time.time()
    converge = playbook(lab, SITE)
    assert converge.rc == 0 and not converge.changed_hosts(), converge
    # A converge that waited for the disabled host would fail at ctdb_wait_timeout (rc above); this
    # bound is the role's default timeout (180 s) less a margin, far above a no-op's 15-40 s.
    assert time.time() - started < 170, 'the converge waited for the disabled host'
    assert flags(lab, host) == ['Disabled']
    back = playbook(lab, 'playbooks/maintenance.yml',
                    extra_vars={'ctdb_maintenance_host': host, 'ctdb_maintenance_state': 'enabled'})
    assert back.rc == 0, back
    assert flags(lab, host) == []
    assert wait_until(lambda: any(hosts == [host] for hosts in placement(lab).values()), 30)[0]


@pytest.mark.timing
def test_rolling_restart_keeps_every_address_on_one_host(converged):
    lab = converged
    before = dict((host, lab.ctdbd_pid(host)) for host in lab.hostnames())
    seen, stop = [], threading.Event()

    def watch():
        while not stop.is_set():
            seen.append((time.time(), placement(lab)))
            stop.wait(0.1)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        run = playbook(lab, 'playbooks/rolling_restart.yml')
    finally:
        stop.set()
        watcher.join(10)
    assert run.rc == 0, run
    after = dict((host, lab.ctdbd_pid(host)) for host in lab.hostnames())
    assert all(after[host] and after[host] != before[host] for host in before), (before, after)
    assert seen
    samples = [(stamp, dict((address, bool(where[address])) for address in where)) for stamp, where in seen]
    for address, longest in longest_gaps(samples).items():
        assert longest < ADDRESS_GAP_BOUND, '%s was on no host for %.1f s' % (address, longest)
    assert healthy(lab)


def test_rolling_restart_is_refused_while_an_administrator_has_a_host_out(converged):
    """Issue 20: with one host disabled by hand, taking a second one out for a restart would leave one host
    serving; the default ctdb_restart_min_serving (every other node) refuses it, naming the disabled host."""
    lab = converged
    hosts = lab.hostnames()
    out = hosts[1]
    assert lab.ctdb(out, 'disable').returncode == 0
    try:
        assert wait_until(lambda: flags(lab, out) == ['Disabled'], 30)[0]
        before = dict((host, lab.ctdbd_pid(host)) for host in hosts)
        run = playbook(lab, 'playbooks/rolling_restart.yml')
        assert run.rc != 0, run
        assert 'refusing to restart node 0 (%s, %s): taking it out of service would leave 1 of the 3 nodes serving' \
            % (lab.address(hosts[0]), hosts[0]) in run.stdout, run
        assert 'Out of service now: node 1 (%s, %s) DISABLED.' % (lab.address(out), out) in run.stdout, run
        # nothing was restarted, nobody else taken out
        assert dict((host, lab.ctdbd_pid(host)) for host in hosts) == before
        assert [flags(lab, host) for host in hosts] == [[], ['Disabled'], []]
        print('refused in %.1f s' % run.elapsed)
    finally:
        assert lab.ctdb(out, 'enable').returncode == 0
    assert wait_until(lambda: flags(lab, out) == [], 30)[0]


def test_status_reports_placement_and_drift(converged):
    lab = converged
    host = lab.hostnames()[2]
    assert lab.ctdb(host, 'setvar', 'MonitorInterval', '23').returncode == 0
    try:
        run = playbook(lab, 'playbooks/status.yml')
    finally:
        lab.ctdb(host, 'setvar', 'MonitorInterval', '15')
    assert run.rc == 0, run
    assert '%s: runtime tunables: MonitorInterval=23 (others: 15)' % host in run.stdout, run.stdout[-4000:]
    for address in placement(lab):
        assert '%s -> ' % address in run.stdout
