# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ctdbtest.lab's command line: options after the subcommand are options, not part of a command."""
import pytest

from ctdbtest.lab import parse_args


def test_options_after_the_subcommand_name_the_lab(monkeypatch):
    monkeypatch.delenv('LAB_NAME', raising=False)
    args, rest = parse_args(['start', '--name', 'lab2', '--hosts', '8', '--subnet', '10.213.40', '--no-etcd'])
    assert (args.command, args.name, args.hosts, args.subnet, args.no_etcd, rest) == (
        'start', 'lab2', 8, '10.213.40', True, [])


def test_run_and_exec_take_the_command_after_the_double_dash(monkeypatch):
    monkeypatch.delenv('LAB_NAME', raising=False)
    args, rest = parse_args(['--name', 'lab2', 'exec', 'lab21', '--', 'ctdb', '--help'])
    assert (args.command, args.name, args.host, rest) == ('exec', 'lab2', 'lab21', ['ctdb', '--help'])
    args, rest = parse_args(['run', '--name', 'lab2', '--', 'ansible', 'all', '--list-hosts'])
    assert (args.command, args.name, args.host, rest) == ('run', 'lab2', None, ['ansible', 'all', '--list-hosts'])


@pytest.mark.parametrize('argv, message', [
    (['run'], 'run needs a command after --'),
    (['exec', '--', 'true'], 'exec HOST -- COMMAND: only exec takes a host'),
    (['stop', 'lab21'], 'exec HOST -- COMMAND: only exec takes a host'),
])
def test_a_missing_command_or_host_is_refused(argv, message, capsys):
    with pytest.raises(SystemExit):
        parse_args(argv)
    assert message in capsys.readouterr().err
