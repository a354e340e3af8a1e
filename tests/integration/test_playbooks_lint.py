# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ansible-lint, profile production (.ansible-lint), passes on the roles and playbooks; the roles'
README variable tables are the ones generated from meta/argument_specs.yml.

No sandbox needed. ansible-lint is pinned in requirements-test.txt; it runs offline in seconds.
Regenerate the README tables after changing an argument spec:
    .venv/bin/python tests/integration/test_playbooks_lint.py
"""
import json
import os
import re
import subprocess
import sys

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ANSIBLE_LINT = os.path.join(os.path.dirname(sys.executable), 'ansible-lint')
ROLES = ('ctdb', 'etcd_lock')
BEGIN = '<!-- variables: generated from meta/argument_specs.yml by tests/integration/test_playbooks_lint.py -->'
END = '<!-- end of variables -->'
MARKUP = re.compile(r'\b[OVCMIP]\(([^()]*)\)')


def test_roles_and_playbooks_pass_ansible_lint_production():
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, '.cache', 'collections'),
               ANSIBLE_ROLES_PATH=os.path.join(REPO, 'roles'), NO_COLOR='1',
               PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get('PATH', ''))
    done = subprocess.run([ANSIBLE_LINT, '--offline', '--format=pep8', 'roles/ctdb', 'roles/etcd_lock', 'playbooks'],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    assert "Profile 'production' was required, and it passed" in done.stderr + done.stdout, done.stderr[-2000:]


def plain(text):
    """Ansible doc markup (O(x), V(x), C(x), ...) as Markdown code, for a table cell."""
    while MARKUP.search(text):
        text = MARKUP.sub(lambda match: '`%s`' % match.group(1).replace('\\', ''), text)
    return text.replace('|', '\\|')


def default_text(option):
    if 'default' not in option:
        return ''
    value = option['default']
    if isinstance(value, str):
        return '`%s`' % (value if value else '""')
    return '`%s`' % json.dumps(value)


def variable_table(role):
    """The README table of a role's variables: name, default and description."""
    with open(os.path.join(REPO, 'roles', role, 'meta', 'argument_specs.yml')) as handle:
        options = yaml.safe_load(handle)['argument_specs']['main']['options']
    rows = ['| variable | default | meaning |', '|---|---|---|']
    for name in sorted(options):
        description = options[name]['description']
        text = ' '.join(description) if isinstance(description, list) else description
        rows.append('| `%s` | %s | %s |' % (name, default_text(options[name]), plain(' '.join(text.split()))))
    return '\n'.join([BEGIN] + rows + [END])


def readme_with_table(role):
    path = os.path.join(REPO, 'roles', role, 'README.md')
    with open(path) as handle:
        text = handle.read()
    start, end = text.index(BEGIN), text.index(END) + len(END)
    return path, text, text[:start] + variable_table(role) + text[end:]


def test_readme_variable_tables_are_generated_from_the_argument_specs():
    for role in ROLES:
        path, text, wanted = readme_with_table(role)
        assert text == wanted, '%s is out of date: run %s' % (path, os.path.relpath(__file__, REPO))


if __name__ == '__main__':
    for role_name in ROLES:
        readme, dummy, generated = readme_with_table(role_name)
        with open(readme, 'w') as out:
            out.write(generated)
