# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ctdb_event against the sandbox's real ctdbd and ctdb tool.

In test mode the ctdb tools take the shipped scripts from $CTDB_BASE/share/events/legacy
(ctdb/common/path.c), which the sandbox does not create. Each node gets one here, holding a
stub (``exit 0``) for every script name of /usr/share/ctdb/events/legacy: the real scripts
need a real Samba/NFS and would make the sandbox nodes unhealthy once enabled, while names,
links, listings and ctdb's own enable/disable behave exactly as with the real files.
"""
import os

import pytest

from ctdbtest import bad_inputs
from ctdbtest.snapshot import restore_tree, tree_snapshot

SHIPPED_DIR = '/usr/share/ctdb/events/legacy'


def shipped_names():
    return sorted(f[:-len('.script')] for f in os.listdir(SHIPPED_DIR) if f.endswith('.script'))


@pytest.fixture(scope='module')
def events(sandbox):
    for index in range(sandbox.nodes):
        share = os.path.join(sandbox.node_base(index), 'share', 'events', 'legacy')
        os.makedirs(share, exist_ok=True)
        for name in shipped_names():
            path = os.path.join(share, name + '.script')
            with open(path, 'w') as handle:
                handle.write('#!/bin/sh\n# sandbox stub for %s\nexit 0\n' % name)
            os.chmod(path, 0o755)
    return sandbox


@pytest.fixture(autouse=True)
def fresh_event_directories(events):
    """Every test starts from the event directories the module began with, whatever ran before."""
    roots = [os.path.join(events.node_base(index), 'events', 'legacy') for index in range(events.nodes)]
    states = [tree_snapshot(root) for root in roots]
    yield
    for root, state in zip(roots, states):
        restore_tree(root, state)


def ctdb_list(sandbox, index):
    result = sandbox.ctdb(index, 'event', 'script', 'list', 'legacy')
    assert result.returncode == 0, result
    return result.stdout


def enabled(text):
    return sorted({line[2:].strip() for line in text.splitlines() if line.startswith('* ')})


def test_enable_services_check_apply_idempotent(events, run_playbook):
    play = '''
- hosts: ctdb_cluster
  gather_facts: false
  environment: "{{ ctdb_environment }}"
  tasks:
    - name: Enable samba and winbind (REST API form)
      ctdb.cluster.ctdb_event:
        service: [samba, winbind]
        action: enable
      register: ev
    - name: The module says what the ctdb tool will list
      ansible.builtin.assert:
        that:
          - ev.method == 'ctdb'
          - "'50.samba' in ev.enabled and '49.winbind' in ev.enabled"
          - ev.scripts | map(attribute='name') | list == ['50.samba', '49.winbind']
          - ev.scripts | map(attribute='enabled') | list == [true, true]
'''
    before = [ctdb_list(events, i) for i in range(3)]
    run = run_playbook(play, check=True, diff=True)
    assert run.rc == 0, run
    assert all(counts['changed'] == 1 for counts in run.recap.values()), run
    assert '+* 50.samba' in run.stdout and '-  50.samba' in run.stdout  # the diff
    assert [ctdb_list(events, i) for i in range(3)] == before  # check mode changed nothing

    run = run_playbook(play)
    assert run.rc == 0, run
    assert all(counts['changed'] == 1 for counts in run.recap.values()), run
    for index in range(3):
        assert enabled(ctdb_list(events, index)) == ['49.winbind', '50.samba']
        link = os.path.join(events.node_base(index), 'events', 'legacy', '50.samba.script')
        assert os.path.realpath(link) == os.path.realpath(
            os.path.join(events.node_base(index), 'share', 'events', 'legacy', '50.samba.script'))

    run = run_playbook(play)
    assert run.rc == 0, run
    assert all(counts['changed'] == 0 for counts in run.recap.values()), run


def test_disable_by_script_name_and_state(events, run_playbook):
    for index in range(events.nodes):  # its own starting point: samba enabled on every node
        assert events.ctdb(index, 'event', 'script', 'enable', 'legacy', '50.samba').returncode == 0
    run = run_playbook('''
- hosts: node1
  gather_facts: false
  environment: "{{ ctdb_environment }}"
  tasks:
    - name: Disable by script name
      ctdb.cluster.ctdb_event:
        name: 50.samba.script
        state: disabled
      register: ev
    - ansible.builtin.assert:
        that:
          - ev is changed
          - ev.changed_scripts == ['50.samba']
          - "'50.samba' not in ev.enabled"
    - name: Again
      ctdb.cluster.ctdb_event:
        name: samba
        state: disabled
      register: again
    - ansible.builtin.assert:
        that: again is not changed
''')
    assert run.rc == 0, run
    assert run.recap['node1']['changed'] == 1, run
    assert '50.samba' not in enabled(ctdb_list(events, 1))
    assert '50.samba' in enabled(ctdb_list(events, 0))


def test_unknown_script_lists_available_and_changes_nothing(events, run_playbook):
    before = ctdb_list(events, 0)
    run = run_playbook('''
- hosts: node0
  gather_facts: false
  environment: "{{ ctdb_environment }}"
  tasks:
    - name: A script that is not shipped
      ctdb.cluster.ctdb_event:
        name: [samba, 42.nosuch]
        state: enabled
      register: ev
      ignore_errors: true
    - ansible.builtin.assert:
        that:
          - ev is failed
          - "'42.nosuch' in ev.msg"
          - "'10.interface' in ev.msg and '60.nfs' in ev.msg"
''')
    assert run.rc == 0, run
    assert run.recap['node0']['changed'] == 0
    assert ctdb_list(events, 0) == before


def test_files_method_lists_like_ctdb(events, run_playbook):
    """Same listing from the files as from ctdb, including local scripts and dangling links."""
    base = events.node_base(2)
    etc = os.path.join(base, 'events', 'legacy')
    local = os.path.join(etc, '02.local.script')
    with open(local, 'w') as handle:
        handle.write('#!/bin/sh\nexit 0\n')
    os.chmod(local, 0o755)
    with open(os.path.join(etc, '03.off.script'), 'w') as handle:
        handle.write('#!/bin/sh\nexit 0\n')
    os.symlink('/nonexistent/05.system.script', os.path.join(etc, '05.system.script'))
    os.symlink(os.path.join(SHIPPED_DIR, '11.routing.script'), os.path.join(etc, '11.routing.script'))
    try:
        run = run_playbook('''
- hosts: node2
  gather_facts: false
  environment: "{{ ctdb_environment }}"
  tasks:
    - name: ctdb's own listing
      ansible.builtin.command: ctdb event script list legacy
      register: tool
      changed_when: false
    - name: The module, on the files
      ctdb.cluster.ctdb_event:
        method: files
      register: files
    - name: The module, through ctdb
      ctdb.cluster.ctdb_event:
        method: ctdb
      register: viactdb
    - ansible.builtin.assert:
        that:
          - files.raw == tool.stdout + '\\n'
          - viactdb.raw == files.raw
          - files.enabled == viactdb.enabled
''')
        assert run.rc == 0, run
        tool = ctdb_list(events, 2)
        assert '* 02.local' in tool and '  03.off' in tool and '  05.system' in tool
    finally:
        for name in ('02.local.script', '03.off.script', '05.system.script', '11.routing.script'):
            os.unlink(os.path.join(etc, name))


def test_daemon_down_uses_the_files(events, run_playbook):
    events.stop_node(2)
    try:
        assert events.ctdb(2, 'pnn').returncode != 0
        run = run_playbook('''
- hosts: node2
  gather_facts: false
  environment: "{{ ctdb_environment }}"
  tasks:
    - name: Enable nfs while ctdbd is down
      ctdb.cluster.ctdb_event:
        service: nfs
        action: enable
      register: ev
    - ansible.builtin.assert:
        that:
          - ev is changed
          - ev.method == 'files'
          - "'60.nfs' in ev.enabled"
    - name: Again
      ctdb.cluster.ctdb_event:
        service: nfs
        state: enabled
      register: again
    - ansible.builtin.assert:
        that: again is not changed and again.method == 'files'
''')
        assert run.rc == 0, run
        assert run.recap['node2']['changed'] == 1, run
        # the ctdb tool, which reads the same files, agrees
        assert '60.nfs' in enabled(ctdb_list(events, 2))
    finally:
        events.start_node(2)
        events.wait_healthy(90)


def etc_state(sandbox, index):
    return tree_snapshot(os.path.join(sandbox.node_base(index), 'events', 'legacy'))


def test_bad_inputs_are_refused_and_change_nothing(events, run_playbook, tmp_path):
    """The cases that need the node's scripts; the others are in bad_inputs/ctdb_event.yml."""
    # a directory where a script belongs: ctdb lists it as an enabled local script, but cannot disable it
    blocker = os.path.join(events.node_base(0), 'events', 'legacy', '91.lvs.script')
    os.mkdir(blocker)
    try:
        listed = ctdb_list(events, 0)
        names = sorted({line[2:].strip() for line in listed.splitlines() if line[:2] in ('* ', '  ')})
        cases = [
            ("unknown event script '42.nosuch': available scripts are %s (or the services nfs, samba, winbind)"
             % ', '.join(names), {'name': ['samba', '42.nosuch'], 'state': 'enabled'}),
            ('91.lvs.script is neither a file nor a link: remove it first',
             {'method': 'files', 'name': ['lvs'], 'state': 'disabled'}),
        ]
        before = [etc_state(events, i) for i in range(events.nodes)]
        wrong = bad_inputs.refused(run_playbook, tmp_path, 'ctdb.cluster.ctdb_event', cases)
        assert not wrong, '\n'.join(wrong)
        assert [etc_state(events, i) for i in range(events.nodes)] == before
        assert ctdb_list(events, 0) == listed
    finally:
        os.rmdir(blocker)
