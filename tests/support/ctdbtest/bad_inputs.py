# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The bad-input tables of the modules, as data: tests/integration/bad_inputs/<module>.yml.

One file per module::

    module: ctdb.cluster.ctdb_nodes
    files:                      # optional: written under ${tmp} before the run (text encoded latin-1,
      latin1: "10.0.0.1\\n\\xe9\\n"  #   so "\\xe9" is the one byte 0xE9)
    dirs: [dfs/.ctdb/sub]        # optional: directories, links ({path: target}) and modes
    links: {dfs/.ctdb/x: /elsewhere}  #   ({path: "0600"}) under ${tmp}, made after the files
    modes: {dfs/.ctdb/etcd: "0644"}
    cases:
      - what: a host name instead of an address      # the doc's "what" column
        args: {nodes: ["${a0}", node1]}               # the module's arguments
        message: "${base}/nodes: invalid node address 'node1': ..."   # the exact fail_json msg

Strings in args, files and message are string.Template text (``$$`` is a dollar sign):
${base} the node's CTDB_BASE, ${host} its inventory name, ${a0}..${a7} the node addresses,
${p0}..${p7} the sandbox's public addresses, ${subnet} the three loopback octets, ${tmp} a
fresh directory for the run. The generic test (tests/integration/test_bad_inputs.py) runs every
case on every sandbox node through ansible-playbook, in check mode and for real, and wants the
exact message, changed=false, and every file of the nodes and of ${tmp} byte-identical. The
same data makes docs/bad_inputs.md (``make bad-inputs-doc``).
"""
import glob
import os
import string

import yaml

from ctdbtest import REPO

TABLES = os.path.join(REPO, 'tests', 'integration', 'bad_inputs')
DOC = os.path.join(REPO, 'docs', 'bad_inputs.md')
REQUIRED_CASE_KEYS = ('what', 'args', 'message')


class TableError(ValueError):
    pass


def load(path):
    with open(path, encoding='utf-8') as handle:
        table = yaml.safe_load(handle)
    name = os.path.basename(path)
    if not isinstance(table, dict) or not isinstance(table.get('module'), str):
        raise TableError('%s: needs "module: ctdb.cluster.NAME"' % name)
    table.setdefault('files', {})
    for index, case in enumerate(table.get('cases') or []):
        missing = [key for key in REQUIRED_CASE_KEYS if key not in case]
        unknown = sorted(set(case) - set(REQUIRED_CASE_KEYS))
        if missing or unknown or not isinstance(case['args'], dict):
            raise TableError('%s: case %d (%s): needs what, args (a mapping) and message; '
                             'missing %s, unknown %s' % (name, index, case.get('what'), missing, unknown))
    if not table.get('cases'):
        raise TableError('%s: no cases' % name)
    table['name'] = os.path.splitext(name)[0]
    return table


def tables(directory=TABLES):
    return [load(path) for path in sorted(glob.glob(os.path.join(directory, '*.yml')))]


def render(value, mapping):
    """``value`` (nested lists, dicts, strings) with every ${placeholder} filled in."""
    if isinstance(value, str):
        return string.Template(value).substitute(mapping)
    if isinstance(value, list):
        return [render(item, mapping) for item in value]
    if isinstance(value, dict):
        return {render(key, mapping): render(item, mapping) for key, item in value.items()}
    return value


def placeholders(sandbox, index, tmp):
    mapping = {'base': sandbox.node_base(index), 'host': 'node%d' % index, 'subnet': sandbox.subnet, 'tmp': str(tmp)}
    for other in range(8):
        mapping['a%d' % other] = sandbox.address(other)
        mapping['p%d' % other] = sandbox.public_address(other)
    return mapping


def write_files(table, mapping):
    """The table's files, then its directories, links and modes, under ${tmp}."""
    def place(relative):
        path = os.path.join(mapping['tmp'], render(relative, mapping))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        return path

    for relative, text in table['files'].items():
        with open(place(relative), 'wb') as handle:
            handle.write(render(text, mapping).encode('latin-1'))
    for relative in table.get('dirs', []):
        os.makedirs(place(relative), exist_ok=True)
    for relative, target in table.get('links', {}).items():
        os.symlink(render(target, mapping), place(relative))
    for relative, mode in table.get('modes', {}).items():
        os.chmod(place(relative), int(str(mode), 8))


class _Unsafe(str):
    pass


def _unsafe_dumper():
    class Dumper(yaml.SafeDumper):
        pass

    Dumper.add_representer(_Unsafe, lambda dumper, text: dumper.represent_scalar('!unsafe', str(text), style='"'))
    return Dumper


def _mark_unsafe(value):
    if isinstance(value, str):
        return _Unsafe(value)
    if isinstance(value, list):
        return [_mark_unsafe(item) for item in value]
    if isinstance(value, dict):
        return {key: _mark_unsafe(item) for key, item in value.items()}
    return value


def cases_vars(args_by_host):
    """A vars file {bad_args: {host: [args, ...]}} whose strings Ansible never templates (!unsafe),
    so that a bad value reaches the module exactly as written, braces and all."""
    return yaml.dump({'bad_args': _mark_unsafe(args_by_host)}, Dumper=_unsafe_dumper(), allow_unicode=False)


def task_name(index, check):
    return 'bad input %d%s' % (index, ' (check mode)' if check else '')


def runs(table):
    """(index, case, check) for every run of a case: in check mode, then for real."""
    return [(index, case, check) for index, case in enumerate(table['cases']) for check in (True, False)]


def playbook(table, vars_path, hosts='ctdb_cluster'):
    """Every run of every case (see runs) on every host, each allowed to fail."""
    tasks = []
    for index, dummy, check in runs(table):
        tasks.append('''    - name: %s
      %s:
      args: "{{ bad_args[inventory_hostname][%d] }}"
      check_mode: %s
      ignore_errors: true
''' % (task_name(index, check), table['module'], index, 'true' if check else 'false'))
    return '''- hosts: %s
  gather_facts: false
  environment: "{{ ctdb_environment }}"
  vars_files:
    - %s
  tasks:
%s''' % (hosts, vars_path, ''.join(tasks))


def refused(run_playbook, workdir, module, cases, host='node0'):
    """Run ``cases`` ([(message, args)], built by a test around a setup a table cannot hold:
    links, directories, modes) on ``host``, in check mode and for real, through the same
    playbook as the tables; returns the list of runs that did not fail with exactly the message."""
    table = {'module': module, 'cases': [{'what': str(index), 'args': args, 'message': message, 'check_mode': True}
                                         for index, (message, args) in enumerate(cases)]}
    vars_path = os.path.join(str(workdir), 'bad_args.yml')
    with open(vars_path, 'w', encoding='utf-8') as handle:
        handle.write(cases_vars({host: [case['args'] for case in table['cases']]}))
    run = run_playbook(playbook(table, vars_path, hosts=host))
    if run.rc != 0:
        return ['the playbook failed: %r' % (run,)]
    wrong = []
    for index, case, check in runs(table):
        result = run.result(task_name(index, check), host)
        got = (result['_status'], result.get('_ignored'), result.get('changed'), result.get('msg'))
        if got != ('failed', True, False, case['message']):
            wrong.append('%s%s:\n  want %r\n  got  %r' % (case['args'], ' (check mode)' if check else '',
                                                          case['message'], got))
    return wrong


def _cell(text):
    """Table-cell text: a bar escaped, anything unprintable (a NUL byte, a newline) shown as its escape."""
    text = ''.join(char if char.isprintable() else char.encode('unicode_escape').decode('ascii') for char in text)
    return text.replace('|', '\\|')


def markdown(all_tables):
    lines = [
        '# Bad inputs the modules refuse',
        '',
        '<!-- Generated by `make bad-inputs-doc` from tests/integration/bad_inputs/*.yml; do not edit. -->',
        '',
        'Every row is a case of tests/integration/test_bad_inputs.py: run on every node of the sandbox',
        'cluster through `ansible-playbook`, in check mode and for real; the module fails with exactly this',
        'message, reports no change, and every file is left byte-identical. In messages, `${base}` is the',
        "node's CTDB_BASE, `${a0}`, `${a1}`... the node addresses, `${p0}`... the public addresses, `${subnet}`",
        'their first three octets, `${tmp}` a scratch directory of the test.',
        '',
    ]
    for table in all_tables:
        lines += ['## %s' % table['module'], '', '| what | message |', '|---|---|']
        for case in table['cases']:
            lines.append('| %s | `%s` |' % (_cell(case['what']), _cell(case['message']).replace('`', "'")))
        lines.append('')
    return '\n'.join(lines)


def main():
    text = markdown(tables())
    with open(DOC, 'w', encoding='utf-8') as handle:
        handle.write(text)
    print('wrote %s' % os.path.relpath(DOC, REPO))


if __name__ == '__main__':
    main()
