# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a command N times under a bounded, reproducible load: the way to show that a timing-sensitive
test holds on a busy machine (issue 22: the lock tests failed 4 runs in 12 under this load).

    PYTHONPATH=tests/support python3 -m ctdbtest.load [--cpu 2] [--writers 1] [--write-mb 200]
        [--rounds 10] [--keep-going] -- COMMAND...

The load: `--cpu` busy loops (one Python process each) and `--writers` loops that write `--write-mb`
MiB with dd and fsync it (conv=fsync), again and again, into a scratch directory on the checkout's
filesystem (where the tests' etcd keeps its data).  It starts before the first round and is stopped,
with its scratch files removed, when the rounds end, fail, or the run is interrupted (Ctrl-C,
SIGTERM, SIGHUP): every load process runs in one process group of its own, killed as a whole.
Exit status: 0 when every round passed, else that of the first failed round.
"""
import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from ctdbtest import REPO

BUSY_LOOP = 'while True:\n    pass\n'
# dd again and again (its children share the load's process group, so they are killed with it)
WRITE_LOOP = """import os, subprocess, sys
path, megabytes = sys.argv[1], sys.argv[2]
while True:
    subprocess.run(['dd', 'if=/dev/zero', 'of=' + path, 'bs=1M', 'count=' + megabytes, 'conv=fsync'],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    if os.path.exists(path):
        os.remove(path)
"""


def writer_argv(path, megabytes):
    return [sys.executable, '-c', WRITE_LOOP, path, str(megabytes)]


class Load:
    """The load processes, all in one process group led by the first of them."""

    def __init__(self, cpu, writers, write_mb, scratch_parent=REPO):
        self.cpu, self.writers, self.write_mb = cpu, writers, write_mb
        self.scratch_parent = scratch_parent
        self.scratch = None
        self.processes = []
        self.group = None

    def _spawn(self, argv):
        process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, process_group=self.group or 0)
        if self.group is None:
            self.group = process.pid
        self.processes.append(process)

    def start(self):
        self.scratch = tempfile.mkdtemp(prefix='.load-', dir=self.scratch_parent)
        for _busy in range(self.cpu):
            self._spawn([sys.executable, '-c', BUSY_LOOP])
        for index in range(self.writers):
            self._spawn(writer_argv(os.path.join(self.scratch, 'fill%d' % index), self.write_mb))
        return self

    def running(self):
        return [process.pid for process in self.processes if process.poll() is None]

    def stop(self, timeout=10):
        """Kill the whole group (the writers' dd children too) and wait until none of it is left."""
        if self.group is not None:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    os.killpg(self.group, signal.SIGKILL)
                except ProcessLookupError:
                    break
                for process in self.processes:
                    process.poll()
                if time.monotonic() > deadline:
                    raise RuntimeError('load process group %d still has processes after %d s' % (self.group, timeout))
                time.sleep(0.05)
        for process in self.processes:
            process.wait()
        self.processes, self.group = [], None
        if self.scratch:
            shutil.rmtree(self.scratch, ignore_errors=True)
            self.scratch = None

    def describe(self):
        return '%d busy loop(s), %d writer(s) of %d MiB with fsync' % (self.cpu, self.writers, self.write_mb)


class Interrupted(Exception):
    pass


def _raise_interrupted(signum, frame):  # pylint: disable=unused-argument
    raise Interrupted(signal.Signals(signum).name)


def run_rounds(command, rounds, load, keep_going=False, out=sys.stdout):
    """Run command `rounds` times under load; returns the exit status (0, or the first failure's)."""
    previous = {signum: signal.signal(signum, _raise_interrupted) for signum in (signal.SIGTERM, signal.SIGHUP)}
    results = []
    try:
        load.start()
        out.write('load: %s (process group %d)\n' % (load.describe(), load.group))
        out.flush()
        for number in range(1, rounds + 1):
            started = time.monotonic()
            returncode = subprocess.run(command, check=False).returncode
            results.append(returncode)
            out.write('round %d/%d: %s in %.0f s (load average %s)\n' % (
                number, rounds, 'passed' if returncode == 0 else 'FAILED (exit %d)' % returncode,
                time.monotonic() - started, ' '.join(open('/proc/loadavg').read().split()[:3])))
            out.flush()
            if returncode != 0 and not keep_going:
                break
    except (KeyboardInterrupt, Interrupted) as exc:
        out.write('interrupted (%s): load stopped\n' % (exc or 'SIGINT'))
        return 130
    finally:
        load.stop()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    failed = [code for code in results if code != 0]
    out.write('%d of %d round(s) passed under load\n' % (len(results) - len(failed), len(results)))
    return failed[0] if failed else 0


def parse_args(argv):
    parser = argparse.ArgumentParser(prog='python -m ctdbtest.load', description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('--cpu', type=int, default=2, help='busy loops (default 2: one per core here)')
    parser.add_argument('--writers', type=int, default=1, help='dd loops that write and fsync (default 1)')
    parser.add_argument('--write-mb', type=int, default=200, help='MiB each dd writes before its fsync')
    parser.add_argument('--rounds', type=int, default=10)
    parser.add_argument('--keep-going', action='store_true', help='run every round even after a failure')
    parser.add_argument('command', nargs=argparse.REMAINDER, help='-- then the command to run each round')
    args = parser.parse_args(argv)
    if args.command[:1] == ['--']:
        args.command = args.command[1:]
    if not args.command:
        parser.error('give the command to run after --')
    for name in ('cpu', 'writers', 'write_mb', 'rounds'):
        if getattr(args, name) < (1 if name in ('rounds', 'write_mb') else 0):
            parser.error('--%s: %d is too small' % (name.replace('_', '-'), getattr(args, name)))
    if args.cpu > 4 * (os.cpu_count() or 1):
        parser.error('--cpu %d: at most 4 per core (%d here), the load must stay bounded'
                     % (args.cpu, os.cpu_count() or 1))
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    return run_rounds(args.command, args.rounds, Load(args.cpu, args.writers, args.write_mb), args.keep_going)


if __name__ == '__main__':
    sys.exit(main())
