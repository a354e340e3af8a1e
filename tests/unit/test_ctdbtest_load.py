# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ctdbtest.load: the rounds run under real load processes, and the load always stops."""
import io
import os
import re
import signal
import subprocess
import sys
import time

import pytest

from ctdbtest import SUPPORT

SUPPORT_PATH = os.path.dirname(SUPPORT)
from ctdbtest.load import Load, parse_args, run_rounds


def group_alive(group):
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


def small_load(tmp_path):
    return Load(cpu=1, writers=1, write_mb=1, scratch_parent=str(tmp_path))


def test_rounds_stop_at_the_first_failure_and_the_load_with_them(tmp_path):
    marker = tmp_path / 'count'
    # fails on its second run
    command = [sys.executable, '-c', 'import os, sys\np = sys.argv[1]\nn = len(open(p).read()) if os.path.exists(p) else 0\n'
               'open(p, "a").write("x")\nsys.exit(3 if n == 1 else 0)', str(marker)]
    load = small_load(tmp_path)
    out = io.StringIO()
    assert run_rounds(command, 5, load, out=out) == 3
    text = out.getvalue()
    assert 'round 1/5: passed' in text and 'round 2/5: FAILED (exit 3)' in text and 'round 3/5' not in text
    assert '1 of 2 round(s) passed under load' in text
    group = int(re.search(r'process group (\d+)', text).group(1))
    assert not group_alive(group)
    assert os.listdir(str(tmp_path)) == ['count'], 'the scratch directory must be gone'


def test_keep_going_runs_every_round(tmp_path):
    out = io.StringIO()
    assert run_rounds([sys.executable, '-c', 'raise SystemExit(1)'], 2, small_load(tmp_path), keep_going=True,
                      out=out) == 1
    assert '0 of 2 round(s) passed' in out.getvalue()


def test_the_load_is_real_while_a_round_runs(tmp_path):
    """During the round: one busy loop and one writer running in the load's process group."""
    probe = tmp_path / 'probe'
    command = [sys.executable, '-c', 'import os, sys, time\ntime.sleep(1)\n'
               'pids = [p for p in os.listdir("/proc") if p.isdigit()]\n'
               'groups = []\n'
               'for p in pids:\n'
               '    try:\n'
               '        groups.append(os.getpgid(int(p)))\n'
               '    except OSError:\n'
               '        pass\n'
               'open(sys.argv[1], "w").write(" ".join(map(str, groups)))', str(probe)]
    out = io.StringIO()
    assert run_rounds(command, 1, small_load(tmp_path), out=out) == 0
    group = int(re.search(r'process group (\d+)', out.getvalue()).group(1))
    members = probe.read_text().split().count(str(group))
    assert members >= 2, 'expected the busy loop and the writer in group %d, found %d' % (group, members)


def test_sigterm_stops_the_load(tmp_path):
    env = dict(os.environ, PYTHONPATH=SUPPORT_PATH)
    runner = subprocess.Popen([sys.executable, '-m', 'ctdbtest.load', '--rounds', '1', '--cpu', '1', '--writers', '1',
                               '--write-mb', '1', '--', 'sleep', '30'],
                              stdout=subprocess.PIPE, text=True, env=env, cwd=str(tmp_path))
    try:
        first = runner.stdout.readline()
        group = int(re.search(r'process group (\d+)', first).group(1))
        assert group_alive(group)
        time.sleep(0.5)
        runner.send_signal(signal.SIGTERM)
        rest = runner.communicate(timeout=20)[0]
    finally:
        if runner.poll() is None:
            runner.kill()
    assert runner.returncode == 130 and 'interrupted (SIGTERM): load stopped' in rest, (runner.returncode, rest)
    assert not group_alive(group)


@pytest.mark.parametrize('argv, message', [
    (['--rounds', '0', '--', 'true'], '--rounds: 0 is too small'),
    (['--cpu', '999', '--', 'true'], '--cpu 999: at most 4 per core'),
    (['--rounds', '2'], 'give the command to run after --'),
])
def test_bad_arguments_are_refused(argv, message, capsys):
    with pytest.raises(SystemExit):
        parse_args(argv)
    assert message in capsys.readouterr().err
