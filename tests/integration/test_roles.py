# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The roles through playbooks/site.yml, with real ansible-playbook runs against the sandbox.

One sandbox for the whole module, changed step by step as an operator would: bad variables are
refused before anything changes; a cluster with missing and wrong files converges; a second run
and a check-mode run change nothing and restart nothing; a node is added through the inventory,
another removed; the cluster lock moves from none to etcd, and the leader holds it. The tests
depend on their order (each starts from the state the previous one left).
"""
import os
import shutil
import time

import pytest
import yaml

from ctdbtest.sandbox import parse_health, process_tree

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
SITE = os.path.join(REPO, 'playbooks', 'site.yml')
NO_LOCK = {'etcd_lock_enabled': False}

# A playbook that checks the converged cluster from Ansible's side: every member healthy from
# its own view, one cluster lock line on every node, the same nodes file everywhere.
VERIFY = '''
- hosts: ctdb_cluster
  gather_facts: false
  environment: "{{ ctdb_environment }}"
  tasks:
    - name: Read each member's view of the cluster
      ctdb.cluster.ctdb_status:
        ctdb_base: "{{ ctdb_base }}"
      register: view
      when: ctdb_node_state | default('present') == 'present'
    - name: Read ctdb.conf and the nodes file
      ansible.builtin.slurp:
        src: "{{ ctdb_base }}/{{ item }}"
      loop: [ctdb.conf, nodes]
      register: files
      when: ctdb_node_state | default('present') == 'present'
    - name: Every member sees a healthy cluster, with the same lock line and nodes file
      ansible.builtin.assert:
        that:
          - view.cluster.healthy
          - locks | unique | length == 1
          - nodes_files | unique | length == 1
      vars:
        members: "{{ ansible_play_hosts | map('extract', hostvars) | selectattr('files', 'defined')
                     | selectattr('files.results.0.content', 'defined') | list }}"
        locks: "{{ members | map(attribute='files.results') | map('first') | map(attribute='content') | map('b64decode')
                   | map('regex_findall', '(?m)^\\\\s*cluster lock = .*$') | map('string') | list }}"
        nodes_files: "{{ members | map(attribute='files.results') | map('last') | map(attribute='content') | list }}"
      when: ctdb_node_state | default('present') == 'present'
'''


def read(path):
    with open(path) as handle:
        return handle.read()


def snapshot(sandbox, nodes):
    """{(node, file): content or None} of the files the role manages."""
    result = {}
    for index in nodes:
        for name in ('ctdb.conf', 'nodes', 'public_addresses'):
            path = os.path.join(sandbox.node_base(index), name)
            result[(index, name)] = read(path) if os.path.exists(path) else None
    return result


def pids(sandbox, nodes):
    return {index: sandbox.ctdbd_pid(index) for index in nodes}


def explain(run):
    """The failing lines of a run, then its end: enough to see why it failed."""
    lines = [line for line in run.stdout.splitlines() if line.startswith(('fatal:', '[ERROR]', 'failed:'))]
    return '\n'.join(lines)[:6000] + '\n...\n' + run.stdout[-3000:] + run.stderr[-2000:]


def changed_tasks(run):
    """'TASK name: changed: [host]' for every change the run reports."""
    found, task = [], None
    for line in run.stdout.splitlines():
        if line.startswith(('TASK [', 'RUNNING HANDLER [')):
            task = line.rstrip(' *')
        elif line.startswith('changed:'):
            found.append('%s: %s' % (task, line))
    return found


def assert_unchanged(run):
    assert run.rc == 0, explain(run)
    assert run.recap, run
    for host, counts in run.recap.items():
        assert counts['changed'] == 0 and counts['failed'] == 0, (host, counts, changed_tasks(run), explain(run))


def assert_healthy(sandbox, index=0):
    healthy, reason = parse_health(sandbox.status_text(index))
    assert healthy, reason


def write_inventory(sandbox, tmp_path, absent=()):
    """The sandbox's inventory, with ctdb_node_state: absent on the given hosts."""
    inventory = yaml.safe_load(read(sandbox.inventory_path))
    hosts = inventory['all']['children']['ctdb_cluster']['hosts']
    for host in absent:
        hosts[host]['ctdb_node_state'] = 'absent'
    path = os.path.join(str(tmp_path), 'inventory.yml')
    with open(path, 'w') as handle:
        yaml.safe_dump(inventory, handle)
    return path


@pytest.mark.parametrize('extra_vars, message', [
    ({'ctdb_nodes': ['127.0.16.1', '127.0.16.300', '127.0.16.3']},
     "ctdb_node_address / ctdb_nodes: invalid node address '127.0.16.300'"),
    ({'ctdb_public_addresses': [{'address': '10.9.9.9', 'interface_name': 'lo'}]},
     "ctdb_public_addresses: addresses[0]: invalid address '10.9.9.9': the /MASK is missing"),
    ({'ctdb_public_addresses': [{'address': '10.9.9.9/32', 'interface_name': 'lo:1'}]},
     "ctdb_public_addresses: addresses[0] (10.9.9.9/32): invalid interface name 'lo:1'"),
    ({'ctdb_event_scripts_enabled': ['50.samba', '99.bogus']},
     'ctdb_event_scripts_enabled must be one or more of'),
    ({'etcd_lock_ttl': 3, 'etcd_lock_refresh': 5},
     'etcd_lock_refresh (5 s) must be less than etcd_lock_ttl (3 s)'),
    ({'etcd_lock_ttl': 2, 'etcd_lock_refresh': 1.9},
     'etcd_lock_ttl (2 s) - etcd_lock_refresh (1.9 s) - margin (0.05 s) = 0.05 s leaves no room for one etcd request'),
    ({'etcd_lock_refresh': 0.001}, 'etcd_lock_refresh (0.001 s) must be at least 0.5 s'),
    ({'etcd_lock_username': 'ctdb', 'etcd_lock_password': 'secret"\n#x\'y'},
     'etcd_lock_password contains a line break, which would end the configuration line: choose another one.'),
    # (Should the check let this through, nothing is sent there: no /health request, no ctdbd (re)started.)
    ({'etcd_lock_username': 'ctdb', 'etcd_lock_password': 'secret', 'etcd_lock_endpoints': ['http://10.99.0.1:2379'],
      'etcd_lock_check_etcd': False, 'ctdb_service_manager': 'none'},
     'etcd_lock_username and etcd_lock_password would cross the network unencrypted to http://10.99.0.1:2379'),
], ids=['malformed-node-address', 'public-address-without-mask', 'bad-interface-name', 'unknown-event-script',
        'ttl-below-refresh', 'no-room-for-a-request', 'refresh-too-small', 'password-with-newline',
        'password-over-plain-http'])
def test_bad_variables_fail_before_any_change(sandbox, run_playbook, extra_vars, message):
    before, running = snapshot(sandbox, range(3)), pids(sandbox, range(3))
    run = run_playbook(SITE, extra_vars=extra_vars)
    assert run.rc != 0, run
    assert message in run.stdout, run
    if 'etcd_lock_password' in extra_vars:
        assert 'secret' not in run.stdout + run.stderr, run
    assert all(counts['changed'] == 0 for counts in run.recap.values()), run
    assert snapshot(sandbox, range(3)) == before
    assert pids(sandbox, range(3)) == running


def break_files(sandbox):
    """node0 loses ctdb.conf, node1 its nodes file, node2 gets a wrong public_addresses."""
    os.remove(os.path.join(sandbox.node_base(0), 'ctdb.conf'))
    os.remove(os.path.join(sandbox.node_base(1), 'nodes'))
    with open(os.path.join(sandbox.node_base(2), 'public_addresses'), 'w') as handle:
        handle.write('%s/32 lo\n127.0.16.250/32 lo\n' % sandbox.public_address(0))


def assert_repaired(sandbox, run):
    assert run.rc == 0, explain(run)
    assert read(os.path.join(sandbox.node_base(1), 'nodes')) == sandbox.nodes_text()
    assert read(os.path.join(sandbox.node_base(2), 'public_addresses')) == sandbox.public_addresses_text()
    conf = read(os.path.join(sandbox.node_base(0), 'ctdb.conf'))
    assert conf.startswith('#\n# Ansible managed\n#\n')
    assert 'node address = %s' % sandbox.address(0) in conf and 'cluster lock' not in conf
    assert '127.0.16.250' not in sandbox.ctdb(0, '-X', 'ip', 'all').stdout
    assert_healthy(sandbox)


def test_converge_from_missing_and_wrong_files(sandbox, run_playbook):
    break_files(sandbox)
    run = run_playbook(SITE, extra_vars=NO_LOCK)
    assert_repaired(sandbox, run)
    assert all(counts['changed'] > 0 for counts in run.recap.values()), run


def test_second_run_and_check_mode_change_nothing(sandbox, run_playbook):
    running = pids(sandbox, range(3))
    assert_unchanged(run_playbook(SITE, extra_vars=NO_LOCK))
    assert_unchanged(run_playbook(SITE, extra_vars=NO_LOCK, check=True, diff=True))
    assert pids(sandbox, range(3)) == running


def test_repair_restarts_only_the_node_whose_ctdb_conf_changed(sandbox, run_playbook):
    running = pids(sandbox, range(3))
    break_files(sandbox)
    run = run_playbook(SITE, extra_vars=NO_LOCK)
    assert_repaired(sandbox, run)
    # node0's ctdb.conf changed: only node0 restarted; node1's nodes file and node2's
    # addresses were rewritten and reloaded without a restart.
    after = pids(sandbox, range(3))
    assert after[0] != running[0]
    assert (after[1], after[2]) == (running[1], running[2])
    changed = changed_tasks(run)
    assert len([task for task in changed if 'Reload the CTDB public addresses on the cluster' in task]) == 1, changed
    assert not [task for task in changed if 'Make sure each running node serves' in task], changed


def test_add_a_node_through_the_inventory(sandbox, run_playbook):
    running = pids(sandbox, range(3))
    index = sandbox.add_node(start=False)
    # The role writes the new node's files itself.
    for name in ('ctdb.conf', 'nodes', 'public_addresses'):
        os.remove(os.path.join(sandbox.node_base(index), name))
    shutil.rmtree(os.path.join(sandbox.node_base(index), 'db'))

    run = run_playbook(SITE, extra_vars=NO_LOCK)
    assert run.rc == 0, explain(run)
    assert sandbox.ctdbd_pid(index), 'the new node was not started'
    # Adding a node reloads nodes and addresses; it restarts no running node.
    assert pids(sandbox, range(3)) == running
    for node in range(4):
        assert read(os.path.join(sandbox.node_base(node), 'nodes')) == sandbox.nodes_text()
    sandbox.wait_healthy(60)
    assert 'Number of nodes:4' in sandbox.status_text(0)
    assert run_playbook(VERIFY).rc == 0


def test_remove_a_node_through_the_inventory(sandbox, run_playbook, tmp_path):
    inventory = write_inventory(sandbox, tmp_path, absent=['node1'])
    running = pids(sandbox, [0, 2, 3])
    run = run_playbook(SITE, extra_vars=NO_LOCK, inventory=inventory)
    assert run.rc == 0, explain(run)
    assert sandbox.ctdbd_pid(1) is None
    expected = '%s\n#%s\n%s\n%s\n' % (sandbox.address(0), sandbox.address(1), sandbox.address(2), sandbox.address(3))
    for node in (0, 2, 3):
        assert read(os.path.join(sandbox.node_base(node), 'nodes')) == expected
    assert pids(sandbox, [0, 2, 3]) == running
    status = sandbox.wait_healthy(60)
    assert '(including 1 deleted nodes)' in status
    assert 'pnn:3 %s' % sandbox.address(3) in status
    assert run_playbook(VERIFY, inventory=inventory).rc == 0
    assert_unchanged(run_playbook(SITE, extra_vars=NO_LOCK, inventory=inventory))


def etcd_lock_holder_pid(sandbox, name, timeout=15):
    """PID of the helper holding the etcd lock key (its token is host:pid:uuid)."""
    import etcd3gw  # pylint: disable=import-outside-toplevel
    host, port = sandbox.etcd_url.rsplit('//', 1)[1].rsplit(':', 1)
    client = etcd3gw.client(host=host, port=int(port))
    deadline = time.monotonic() + timeout
    values = client.get('/_locks/_ctdb/%s.lock' % name)
    while not values and time.monotonic() < deadline:
        time.sleep(0.5)
        values = client.get('/_locks/_ctdb/%s.lock' % name)
    assert values, 'no etcd lock key'
    token = values[0].decode() if isinstance(values[0], bytes) else values[0]
    return int(token.split(':')[1])


def test_switch_the_lock_from_none_to_etcd(sandbox, run_playbook, tmp_path):
    inventory = write_inventory(sandbox, tmp_path, absent=['node1'])
    members = [0, 2, 3]
    run = run_playbook(SITE, inventory=inventory)
    assert run.rc == 0, explain(run)
    lock = '!%s/bin/ctdb_etcd_lock' % sandbox.root
    for node in members:
        conf = read(os.path.join(sandbox.node_base(node), 'ctdb.conf'))
        assert '\tcluster lock = %s\n' % lock in conf
        assert sandbox.ctdb(node, 'getreclock').stdout.strip() == lock
        assert oct(os.stat(os.path.join(sandbox.node_base(node), 'etcd')).st_mode & 0o777) == '0o600'
    sandbox.wait_healthy(90)
    assert run_playbook(VERIFY, inventory=inventory).rc == 0

    # The leader holds the etcd lock: the key's holder is a child of the leader's ctdbd.
    leader = int(sandbox.ctdb(0, 'leader').stdout.strip())
    holder = etcd_lock_holder_pid(sandbox, sandbox.name)
    assert holder in process_tree(sandbox.ctdbd_pid(leader)), (leader, holder)

    running = pids(sandbox, members)
    assert_unchanged(run_playbook(SITE, inventory=inventory))
    assert pids(sandbox, members) == running

    # A new helper configuration (another TTL): the holder hands the lock to a new helper that
    # reads it; no ctdbd restarts.
    run = run_playbook(SITE, inventory=inventory, extra_vars={'etcd_lock_ttl': 10})
    assert run.rc == 0, explain(run)
    assert any('Hand the cluster lock to a helper' in task for task in changed_tasks(run)), changed_tasks(run)
    assert pids(sandbox, members) == running
    sandbox.wait_healthy(60)
    leader = int(sandbox.ctdb(0, 'leader').stdout.strip())
    new_holder = etcd_lock_holder_pid(sandbox, sandbox.name)
    assert new_holder != holder and new_holder in process_tree(sandbox.ctdbd_pid(leader))
    assert 'lock_ttl = 10\n' in read(os.path.join(sandbox.node_base(0), 'etcd'))


def test_files_linked_to_shared_storage_are_written_through_their_links(sandbox, run_playbook, tmp_path):
    """ctdb.conf and the lock helper's configuration behind links (as ctdb_link leaves them): the role repairs
    the files the links point to and keeps the links; a second run changes and restarts nothing."""
    inventory = write_inventory(sandbox, tmp_path, absent=['node1'])
    base, shared = sandbox.node_base(0), os.path.join(sandbox.root, 'shared-node0')
    os.makedirs(shared, exist_ok=True)
    wanted = {}
    for name in ('ctdb.conf', 'etcd'):
        target = os.path.join(shared, name)
        wanted[name] = read(os.path.join(base, name))
        shutil.move(os.path.join(base, name), target)
        os.symlink(target, os.path.join(base, name))
        with open(target, 'a') as handle:
            handle.write('# edited by hand\n')
    # The TTL of the previous test, so that the hand edits are the only difference.
    extra = {'etcd_lock_ttl': 10}
    run = run_playbook(SITE, inventory=inventory, extra_vars=extra)
    assert run.rc == 0, explain(run)
    for name in ('ctdb.conf', 'etcd'):
        link = os.path.join(base, name)
        assert os.path.islink(link) and os.readlink(link) == os.path.join(shared, name), name
        assert read(os.path.join(shared, name)) == wanted[name], name
    assert oct(os.stat(os.path.join(shared, 'etcd')).st_mode & 0o777) == '0o600'
    sandbox.wait_healthy(60)
    running = pids(sandbox, [0, 2, 3])
    assert_unchanged(run_playbook(SITE, inventory=inventory, extra_vars=extra))
    assert pids(sandbox, [0, 2, 3]) == running


def test_event_scripts_and_nodes_file_on_the_shared_filesystem(sandbox, run_playbook, tmp_path):
    inventory = write_inventory(sandbox, tmp_path, absent=['node1'])
    members = [0, 2, 3]
    # In CTDB test mode the shipped event scripts are read from $CTDB_BASE/share/events/legacy:
    # give each node a harmless stand-in for 01.reclock there (the real one needs CTDB's functions file).
    for node in members:
        shipped = os.path.join(sandbox.node_base(node), 'share', 'events', 'legacy')
        os.makedirs(shipped, exist_ok=True)
        with open(os.path.join(shipped, '01.reclock.script'), 'w') as handle:
            handle.write('#!/bin/sh\nexit 0\n')
        os.chmod(os.path.join(shipped, '01.reclock.script'), 0o755)
    dfs = os.path.join(sandbox.root, 'dfs')
    os.makedirs(dfs, exist_ok=True)
    extra = {'ctdb_event_scripts_enabled': ['01.reclock'], 'ctdb_link_dfs_path': dfs,
             'ctdb_link_require_mount': False}
    running = pids(sandbox, members)
    nodes_text = read(os.path.join(sandbox.node_base(0), 'nodes'))

    run = run_playbook(SITE, extra_vars=extra, inventory=inventory)
    assert run.rc == 0, explain(run)
    for node in members:
        base = sandbox.node_base(node)
        assert os.path.realpath(os.path.join(base, 'nodes')) == os.path.join(dfs, '.ctdb', 'nodes')
        assert read(os.path.join(base, 'nodes')) == nodes_text
        assert os.path.islink(os.path.join(base, 'events', 'legacy', '01.reclock.script'))
        assert '* 01.reclock' in sandbox.ctdb(node, 'event', 'script', 'list', 'legacy').stdout
    # Neither change touches ctdb.conf: no ctdbd restarted.
    assert pids(sandbox, members) == running
    sandbox.wait_healthy(60)
    assert_unchanged(run_playbook(SITE, extra_vars=extra, inventory=inventory))


def test_converge_a_bare_cluster(sandbox, run_playbook, tmp_path):
    """No ctdbd runs and the role's files are gone: check mode predicts without failing (no member to reload
    from), the real run starts every member and the cluster is healthy, with the etcd lock."""
    inventory = write_inventory(sandbox, tmp_path, absent=['node1'])
    members = [0, 2, 3]
    for node in members:
        sandbox.stop_node(node)
        for name in ('ctdb.conf', 'nodes', 'public_addresses'):
            path = os.path.join(sandbox.node_base(node), name)
            if os.path.lexists(path):
                os.remove(path)
    check = run_playbook(SITE, inventory=inventory, check=True)
    assert check.rc == 0, explain(check)
    assert all(sandbox.ctdbd_pid(node) is None for node in members)
    run = run_playbook(SITE, inventory=inventory)
    assert run.rc == 0, explain(run)
    assert all(sandbox.ctdbd_pid(node) for node in members)
    sandbox.wait_healthy(90)
    assert sandbox.ctdb(0, 'getreclock').stdout.strip() == '!%s/bin/ctdb_etcd_lock' % sandbox.root
    assert run_playbook(VERIFY, inventory=inventory).rc == 0


def test_service_manager_auto_follows_what_runs_the_host(sandbox, run_playbook):
    """auto: systemd only where systemd is PID 1 (a systemctl binary alone is not enough), else service."""
    with open('/proc/1/comm') as handle:
        expected = 'systemd' if handle.read().strip() == 'systemd' else 'service'
    run = run_playbook('''
- hosts: node0
  gather_facts: false
  tasks:
    - ansible.builtin.include_role:
        name: ctdb.cluster.ctdb
        tasks_from: service_manager
      vars:
        ctdb_service_manager: auto
    - ansible.builtin.assert:
        that: __ctdb_service_manager == expected and __ctdb_environment.CTDB_BASE == ctdb_base
        fail_msg: "{{ __ctdb_service_manager }}"
      vars:
        expected: %s
''' % expected)
    assert run.rc == 0, explain(run)
