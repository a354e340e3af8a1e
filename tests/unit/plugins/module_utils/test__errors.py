# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
import pytest

from ansible_collections.ctdb.cluster.plugins.module_utils._errors import CtdbError, run_module


class Exited(Exception):
    pass


class RecordingModule:
    """Records how run_module ends; not an AnsibleModule."""

    def __init__(self):
        self.ended = None

    def exit_json(self, **result):
        self.ended = ('exit', result)
        raise Exited()

    def fail_json(self, **result):
        self.ended = ('fail', result)
        raise Exited()


def test_result_is_returned_with_exit_json():
    module = RecordingModule()
    with pytest.raises(Exited):
        run_module(module, lambda m: {'changed': True, 'nodes': ['10.0.0.1']})
    assert module.ended == ('exit', {'changed': True, 'nodes': ['10.0.0.1']})


def test_ctdb_error_becomes_fail_json_with_its_data():
    def body(dummy_module):
        raise CtdbError('pnn=9 does not exist: give one of 0, 1, 2', pnn=9, rc=1)

    module = RecordingModule()
    with pytest.raises(Exited):
        run_module(module, body)
    assert module.ended == ('fail', {'msg': 'pnn=9 does not exist: give one of 0, 1, 2', 'pnn': 9, 'rc': 1})


def test_other_exceptions_are_not_swallowed():
    def body(dummy_module):
        raise KeyError('bug')

    with pytest.raises(KeyError):
        run_module(RecordingModule(), body)


def test_located_names_the_file_and_keeps_the_type_and_data():
    class OwnError(CtdbError):
        pass

    located = OwnError('line 2 is bad', rc=1).located('/etc/ctdb/nodes')
    assert located.__class__ is OwnError
    assert located.msg == '/etc/ctdb/nodes: line 2 is bad'
    assert located.data == {'rc': 1, 'path': '/etc/ctdb/nodes'}
    unlocated = OwnError('line 2 is bad')
    assert unlocated.located(None) is unlocated


def test_each_pure_module_raises_its_own_ctdb_error():
    from ansible_collections.ctdb.cluster.plugins.module_utils import (
        _conf, _events, _info, _log, _nodes, _public_addresses, _tunables)
    own = [_conf.ConfError, _events.EventsError, _info.InfoError, _log.LogError, _nodes.NodesError,
           _public_addresses.AddressesError, _tunables.TunablesError]
    assert all(issubclass(cls, CtdbError) and cls is not CtdbError for cls in own)
    assert len(set(own)) == len(own)
