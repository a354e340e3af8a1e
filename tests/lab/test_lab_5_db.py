# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ctdb.cluster.ctdb_db on the lab's real hosts, in one ansible-playbook run over SSH with become: a persistent
database backed up, keys written after it (ctdb pstore), a damaged copy of the backup (its checksum file kept, one
byte cut) and a foreign file (with a matching checksum) refused with nothing changed, then the backup restored: the
keys written after it are gone again on every host, the old value back.

Runs on the converged lab of tests/lab/conftest.py (by file name after test_lab_4_day2); leaves the cluster healthy.
The database stays attached (CTDB cannot detach a persistent one); the backups are removed at the end.
"""
import hashlib
import json
import os
import tempfile

from ctdbtest.lab_cluster import BIN, REPO, run_in_hub

DB = 'labtest_backup.tdb'
BACKUPS = '/var/lib/ctdb/labtest-backups'  # on the first host (the lab bind-mounts /var/lib/ctdb per host)
FOREIGN = 'not a ctdb backup\n'

PLAY = '''
- name: Back up, write keys, refuse a damaged and a foreign file, restore
  hosts: %(host)s
  become: true
  gather_facts: false
  vars:
    db: %(db)s
    dir: %(dir)s
  tasks:
    - name: Back up the database
      ctdb.cluster.ctdb_db: {state: backed_up, names: ["{{ db }}"], backup_dir: "{{ dir }}", retention: 2}
      register: backed
    - name: Write keys after the backup
      ansible.builtin.command: {argv: [ctdb, pstore, "{{ db }}", "{{ item.0 }}", "{{ item.1 }}"]}
      loop: [[k, new], [k2, added]]
      changed_when: true
    - name: A copy of the backup
      ansible.builtin.copy: {src: "{{ backed.files[0].file }}", dest: "{{ dir }}/damaged.backup", remote_src: true,
                             mode: "0600"}
    - name: With the backup's checksum file
      ansible.builtin.copy: {src: "{{ backed.files[0].checksum_file }}", dest: "{{ dir }}/damaged.backup.sha256",
                             remote_src: true, mode: "0600"}
    - name: Its last byte cut
      ansible.builtin.command: {argv: [truncate, -s, "-1", "{{ dir }}/damaged.backup"]}
      changed_when: true
    - name: A foreign file
      ansible.builtin.copy: {content: "%(foreign)s", dest: "{{ dir }}/foreign.backup", mode: "0600"}
    - name: With a checksum file that matches it
      ansible.builtin.copy: {content: "%(foreign_sha)s  foreign.backup\\n", dest: "{{ dir }}/foreign.backup.sha256",
                             mode: "0600"}
    - name: Restore the damaged copy
      ctdb.cluster.ctdb_db: {state: restored, name: "{{ db }}", backup_file: "{{ dir }}/damaged.backup"}
      ignore_errors: true
    - name: Restore the foreign file
      ctdb.cluster.ctdb_db: {state: restored, name: "{{ db }}", backup_file: "{{ dir }}/foreign.backup"}
      ignore_errors: true
    - name: Read a key after the refusals
      ansible.builtin.command: {argv: [ctdb, pfetch, "{{ db }}", k]}
      changed_when: false
    - name: Restore the backup
      ctdb.cluster.ctdb_db: {state: restored, name: "{{ db }}", backup_file: "{{ backed.files[0].file }}"}
'''


def run_play(lab, text):
    """ansible-playbook from the hub with the tests' JSON results callback; (run, {task name: first host's result})."""
    handle, path = tempfile.mkstemp(prefix='play-', suffix='.yml', dir=lab.dir)
    results = path + '.json'
    with os.fdopen(handle, 'w') as stream:
        stream.write(text)
    env = {'ANSIBLE_CALLBACKS_ENABLED': 'ctdb_test_results', 'CTDB_TEST_RESULTS': results,
           'ANSIBLE_CALLBACK_PLUGINS': os.path.join(REPO, 'tests', 'support', 'ctdbtest', 'callback_plugins')}
    try:
        run = run_in_hub(lab, [os.path.join(BIN, 'ansible-playbook'), '-i', lab.inventory_path,
                               path], env=env, timeout=300)
        with open(results) as stream:
            found = json.load(stream)
    finally:
        for name in (path, results):
            if os.path.exists(name):
                os.unlink(name)
    tasks = dict((task['name'], next(iter(task['hosts'].values()))) for play in found['plays']
                 for task in play['tasks'] if task['hosts'])
    return run, tasks


def values(lab, keys):
    """{host: {key: value or ''}} with ctdb pfetch on every host."""
    found = {}
    for host in lab.hostnames():
        found[host] = {}
        for key in keys:
            done = lab.ctdb(host, 'pfetch', DB, key)
            assert done.returncode == 0, done
            found[host][key] = done.stdout.rstrip('\n')
    return found


def test_backup_write_refuse_restore_on_every_host(converged):
    lab = converged
    first = lab.hostnames()[0]
    assert lab.ctdb(first, 'attach', DB, 'persistent').returncode == 0
    assert lab.ctdb(first, 'pstore', DB, 'k', 'old').returncode == 0
    try:
        play = PLAY % {'host': first, 'db': DB, 'dir': BACKUPS, 'foreign': FOREIGN.replace('\n', '\\n'),
                       'foreign_sha': hashlib.sha256(FOREIGN.encode()).hexdigest()}
        run, tasks = run_play(lab, play)
        print('backup, refusals and restore on the lab: %.1f s (ansible-playbook)' % run.elapsed)
        assert run.rc == 0, run
        backed = tasks['Back up the database']
        item, = backed['files']
        assert backed['changed'] is True and item['name'] == DB and item['file'].startswith(BACKUPS + '/'), backed
        damaged, foreign = tasks['Restore the damaged copy'], tasks['Restore the foreign file']
        for refused in (damaged, foreign):
            assert refused['failed'] is True and refused['changed'] is False, refused
        assert damaged['msg'].startswith('%s/damaged.backup is damaged: its SHA-256 is ' % BACKUPS), damaged
        assert damaged['msg'].endswith('its checksum file records %s; nothing was restored: restore another backup'
                                       % item['sha256']), damaged
        assert foreign['msg'].startswith('%s/foreign.backup is not a ctdb backup this ctdb can read' % BACKUPS), foreign
        assert tasks['Read a key after the refusals']['stdout'] == 'new'  # the refusals changed nothing
        restored = tasks['Restore the backup']
        assert restored['changed'] is True and not restored.get('failed') and restored['sha256'] == item['sha256']
        # the keys written after the backup are gone again on every host, the old value back
        found = values(lab, ['k', 'k2'])
        assert all(keys == {'k': 'old', 'k2': ''} for keys in found.values()), found
    finally:
        lab.on_host(first, ['rm', '-rf', BACKUPS], check=False)
