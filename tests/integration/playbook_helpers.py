# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Playbook text the integration tests build the same way."""
import json


def bad_input_playbook(module, cases):
    """One task per bad case on node0, each expected to fail with expected[i]."""
    tasks = []
    for index, (dummy, args) in enumerate(cases):
        tasks.append("""    - name: bad input {index}
      {module}: {args}
      register: bad{index}
      ignore_errors: true
    - ansible.builtin.assert:
        that:
          - bad{index} is failed
          - bad{index}.msg == expected[{index}]
        fail_msg: "{{{{ bad{index}.msg }}}}"
""".format(index=index, module=module, args=json.dumps(args)))
    return """
- hosts: node0
  gather_facts: false
  environment: "{{ ctdb_environment }}"
  tasks:
""" + ''.join(tasks)
