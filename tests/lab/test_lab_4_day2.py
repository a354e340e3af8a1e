# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Day-2 modules on the converged lab: real ctdbd in normal mode, public addresses on real eth0s.

ctdb_node takes a host out of service and back, checked on the hosts' eth0 (CTDB's
10.interface adds and removes the addresses); ctdb_ip moves an address to every host in
turn; ctdb_tunables sets a tunable that survives a restart of ctdbd by its init script.
Each test leaves the cluster healthy, every host serving (the `converged` fixture of
tests/lab/conftest.py); run with LAB_NAME/LAB_SUBNET as the other lab tests.
Measured once (LAB_SUBNET=10.213.26, loaded machine, load ~15): ctdb_node disabled and back took
2.1 s + 3.0 s of module time, stopped 12.9 s + 6.3 s, banned 5.0 s + 7.0 s.
"""
import json
import time

import pytest

from ctdbtest.lab_cluster import adhoc, adhoc_results, placement, wait_healthy


def module(lab, host, name, args):
    """Run one module on one host (ad hoc, with sudo); its result."""
    run = adhoc(lab, name, json.dumps(args), pattern=host)
    assert host in adhoc_results(run), run
    return adhoc_results(run)[host]


@pytest.mark.parametrize('state, extra', [('disabled', {}), ('stopped', {}), ('banned', {'ban_time': 120})])
def test_out_of_service_and_back_on_real_interfaces(converged, state, extra):
    lab = converged
    host = lab.hostnames()[1]
    assert any(hosts == [host] for hosts in placement(lab).values())
    started = time.time()
    out = module(lab, host, 'ctdb.cluster.ctdb_node', dict(extra, state=state))
    assert out['changed'] is True and 'msg' not in out, out
    where = placement(lab)
    # No address is on the host's eth0 any more, and each is on exactly one other host's.
    assert all(len(hosts) == 1 and hosts != [host] for hosts in where.values()), where
    assert out['moved'] and all(m['from'] == 1 and m['to'] in (0, 2) for m in out['moved']), out
    again = module(lab, host, 'ctdb.cluster.ctdb_node', dict(extra, state=state))
    assert again['changed'] is False
    back = module(lab, host, 'ctdb.cluster.ctdb_node', {'state': 'enabled'})
    assert back['changed'] is True and back['flags_after'] == [], back
    assert any(hosts == [host] for hosts in placement(lab).values())
    print('%s and back: %.1f s, module elapsed %.1f s + %.1f s' % (state, time.time() - started,
                                                                   out['elapsed'], back['elapsed']))


def test_move_an_address_to_every_host(converged):
    lab = converged
    hosts = lab.hostnames()
    address = lab.public_address(hosts[0])
    for pnn, host in enumerate(hosts):
        out = module(lab, hosts[2], 'ctdb.cluster.ctdb_ip', {'address': address, 'pnn': pnn})
        assert 'msg' not in out, out
        assert placement(lab)[address] == [host]


def test_last_host_in_service_is_refused(converged):
    lab = converged
    hosts = lab.hostnames()
    for host in hosts[1:]:
        assert module(lab, host, 'ctdb.cluster.ctdb_node', {'state': 'disabled'})['changed'] is True
    out = module(lab, hosts[0], 'ctdb.cluster.ctdb_node', {'state': 'banned', 'ban_time': 60})
    # (ad-hoc --tree results carry no "failed" key: the refusal is the message, nothing changed)
    assert out['changed'] is False and 'it is the last node in service' in out['msg'], out
    assert all(where == [hosts[0]] for where in placement(lab).values())


def test_tunable_survives_a_restart(converged):
    lab = converged
    host = lab.hostnames()[2]
    out = module(lab, host, 'ctdb.cluster.ctdb_tunables', {'tunables': {'MonitorInterval': 20}})
    assert out['changed'] is True and out['tunables']['MonitorInterval'] == 20, out
    # The lab's own lines (KeepaliveInterval...) stay in the file.
    assert out['file']['KeepaliveInterval'] == 1 and out['file']['MonitorInterval'] == 20
    restart = adhoc(lab, 'ansible.builtin.service', 'name=ctdb state=restarted', pattern=host)
    assert restart.rc == 0, restart
    assert wait_healthy(lab, timeout=120)
    assert 'MonitorInterval            = 20' in lab.ctdb(host, 'getvar', 'MonitorInterval').stdout
    assert module(lab, host, 'ctdb.cluster.ctdb_tunables', {'tunables': {'MonitorInterval': 20}})['changed'] is False
    module(lab, host, 'ctdb.cluster.ctdb_tunables', {'tunables': {'MonitorInterval': 15}})
