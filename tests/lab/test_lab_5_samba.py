# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Clustered Samba over SSH on the lab's real hosts, proven from a real SMB client in the hub.

site.yml with samba_enabled (the variables of make lab-demo: share `demo` on the lab's distributed
filesystem, user `smbdemo`) hands smbd to CTDB on every host and converges to no change; the user,
added once, logs in through every public address, and a file written through one address is read
through another; a share added, changed and removed with samba_share from one host is seen on every
host; an smb.conf that testparm refuses leaves every host's file byte-identical; status.yml reports it.
Runs on the lab fixture of tests/lab/conftest.py, after test_lab_5_playbooks and before test_lab_6_api.
"""
import hashlib
import json

import pytest

from ctdbtest.lab_cluster import adhoc, adhoc_results, playbook, wait_healthy

SITE = 'playbooks/site.yml'
SAMBA = 'playbooks/samba.yml'


@pytest.fixture(scope='module')
def samba(lab):
    """The lab with the Samba demo deployed by site.yml (checked by the first test)."""
    demo = lab.samba_demo_files()
    run = playbook(lab, SITE, extra_vars=demo)
    return lab, demo, run


def smb_conf_sums(lab):
    sums = {}
    for host in lab.hostnames():
        done = lab.on_host(host, ['cat', '/etc/samba/smb.conf'])
        sums[host] = hashlib.sha256(done.stdout.encode()).hexdigest()
    return sums


def showshare(lab, host, name):
    return lab.on_host(host, ['net', 'conf', 'showshare', name], check=False)


def test_check_mode_predicts_the_deployment_and_changes_nothing(converged):
    lab = converged
    demo = lab.samba_demo_files()
    before = smb_conf_sums(lab)
    run = playbook(lab, SAMBA, check=True, extra_vars=demo)
    assert run.rc == 0 and set(run.changed_hosts()) == set(lab.hostnames()), run
    assert smb_conf_sums(lab) == before
    for host in lab.hostnames():
        assert '* 50.samba' not in lab.on_host(host, ['ctdb', 'event', 'script', 'list', 'legacy']).stdout, host


def test_site_hands_smbd_to_ctdb_on_every_host_and_converges(samba, converged):
    lab, demo, run = samba
    assert run.rc == 0, run
    for host in lab.hostnames():
        events = lab.on_host(host, ['ctdb', 'event', 'script', 'list', 'legacy']).stdout
        assert '* 50.samba' in events, (host, events)
        assert lab.on_host(host, ['pgrep', '-x', 'smbd'], check=False).returncode == 0, host
        conf = lab.on_host(host, ['testparm', '-s', '--suppress-prompt']).stdout
        # testparm shows the registry's shares too (include = registry), read through ctdbd
        assert 'clustering = Yes' in conf and 'netbios name = CTDB' in conf and '[demo]' in conf, conf
    assert len(set(smb_conf_sums(lab).values())) == 1
    # the distribution's own smbd no longer starts at boot: only CTDB starts it
    assert not [name for name in lab.on_host(lab.hostnames()[0], ['ls', '/etc/rc2.d']).stdout.split()
                if name.startswith('S') and name.endswith('smbd')]
    # (site.yml's own no-change run is test_lab_2_site's; the Samba part alone is enough here)
    again = playbook(lab, SAMBA, extra_vars=demo)
    assert again.rc == 0 and not again.changed_hosts(), again
    assert wait_healthy(lab, timeout=60)


def test_the_user_logs_in_through_every_address_and_a_file_crosses_nodes(samba):
    lab = samba[0]
    addresses = [lab.public_address(host) for host in lab.hostnames()]
    for index, writer in enumerate(addresses):
        payload = 'written through %s\n' % writer
        local = '%s/crossing-%d.txt' % (lab.dir, index)
        with open(local, 'w') as handle:
            handle.write(payload)
        put = lab.smbclient(writer, 'put %s crossing-%d.txt' % (local, index))
        assert put.returncode == 0, (writer, put.stdout, put.stderr)
        reader = addresses[(index + 1) % len(addresses)]
        got = lab.smbclient(reader, 'get crossing-%d.txt -' % index)
        assert got.returncode == 0 and payload in got.stdout, (reader, got.stdout, got.stderr)
    listed = lab.smbclient(addresses[0], 'ls')
    assert listed.returncode == 0 and 'crossing-0.txt' in listed.stdout, listed.stderr
    with open(lab.smb_auth_path) as handle:
        auth = handle.read()
    with open(lab.smb_auth_path, 'w') as handle:
        handle.write(auth.replace('password = ', 'password = wrong'))
    try:
        denied = lab.smbclient(addresses[1], 'ls')
    finally:
        with open(lab.smb_auth_path, 'w') as handle:
            handle.write(auth)
    assert denied.returncode != 0 and 'NT_STATUS_LOGON_FAILURE' in denied.stdout + denied.stderr, denied


def share_task(lab, **args):
    args.setdefault('dfs_path', '/srv/ctdblab-dfs')
    args.setdefault('require_mount', False)
    run = adhoc(lab, 'ctdb.cluster.samba_share', json.dumps(args), pattern=lab.hostnames()[0])
    return run, adhoc_results(run)[lab.hostnames()[0]]


def test_a_share_added_changed_and_removed_once_is_seen_on_every_host(samba):
    lab = samba[0]
    lab.on_host(lab.hostnames()[0], ['mkdir', '-p', '/srv/ctdblab-dfs/scratch'])
    share = {'name': 'scratch', 'path': '/srv/ctdblab-dfs/scratch', 'parameters': {'comment': 'first'}}
    run, result = share_task(lab, **share)
    assert run.rc == 0 and result['changed'], run
    run, result = share_task(lab, **share)
    assert run.rc == 0 and not result['changed'], run
    for host in lab.hostnames():
        shown = showshare(lab, host, 'scratch')
        assert 'path = /srv/ctdblab-dfs/scratch' in shown.stdout and 'comment = first' in shown.stdout, (host, shown)
    share['parameters'] = {'comment': 'second', 'read only': False}
    run, result = share_task(lab, **share)
    assert run.rc == 0 and result['changed'], run
    assert all('comment = second' in showshare(lab, host, 'scratch').stdout for host in lab.hostnames())
    run, result = share_task(lab, name='scratch', state='absent')
    assert run.rc == 0 and result['changed'], run
    for host in lab.hostnames():
        assert showshare(lab, host, 'scratch').returncode != 0, host
    run, result = share_task(lab, name='scratch', state='absent')
    assert run.rc == 0 and not result['changed'], run


@pytest.mark.parametrize('options, complaint', [
    ({'server role': 'weird'}, "Ignoring invalid value 'weird' for parameter 'server role'"),
    ({'no such parameter': 1}, 'Unknown parameter encountered: "no such parameter"'),
])
def test_an_smb_conf_testparm_refuses_leaves_every_file_byte_identical(samba, options, complaint):
    lab, demo = samba[0], samba[1]
    before = smb_conf_sums(lab)
    run = playbook(lab, SAMBA, extra_vars=dict(demo, samba_global_options=options))
    assert run.rc != 0 and complaint in run.stdout and 'was not changed' in run.stdout, run
    assert smb_conf_sums(lab) == before


def test_status_reports_smbd_under_ctdb_and_the_shares(samba):
    lab = samba[0]
    run = playbook(lab, 'playbooks/status.yml')
    assert run.rc == 0, run
    for host in lab.hostnames():
        assert '%s: 50.samba enabled, smbd running' % host in run.stdout, run
    assert 'Registry shares: demo' in run.stdout, run
