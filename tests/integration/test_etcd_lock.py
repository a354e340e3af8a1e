# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The etcd cluster-lock helper against a real etcd, as CTDB runs it.

Every test runs for the v2 API (python-etcd) and the v3 API (etcd3gw).  The etcd
servers are started here on free ports of the sandbox subnet (CTDB_SANDBOX_SUBNET,
address .200) and stopped again by their fixtures.  The helper runs as a real
process whose stdout is a pipe, exactly as CTDB reads it.

EtcdServer (ctdbtest.etcd) and Helper, write_config (ctdbtest.lock_helper) are shared with
test_etcd_lock_ctdb.py and bench/bench_lock.py.
"""
import os
import re
import select
import shutil
import signal
import subprocess
import time

import pytest

from ctdbtest.etcd import EtcdServer, b64, etcd_host, free_port
from ctdbtest.lock_helper import HELPER, PYTHON, Helper, unique_name, write_config

APIS = ('v2', 'v3')


@pytest.fixture(scope='module')
def etcd():
    server = EtcdServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def own_etcd():
    """An etcd for a test that stops or pauses it."""
    server = EtcdServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def helpers():
    """Collects Helper objects; kills whatever is still running at the end."""
    started = []

    def run(config, **kwargs):
        helper = Helper(config, **kwargs).start()
        started.append(helper)
        return helper
    yield run
    for helper in started:
        helper.stop()


def poll_until_taken(helpers, config, limit, interval=0.2):
    """Start helpers one after another until one prints 0; returns (elapsed, helper)."""
    start = time.monotonic()
    while time.monotonic() - start < limit:
        helper = helpers(config)
        status = helper.read_status(5)
        if status == '0':
            return time.monotonic() - start, helper
        assert status == '1', (status, helper.errors())
        helper.wait(5)
        time.sleep(interval)
    return None, None


def wait_key_gone(etcd, api, key, limit, interval=0.05):
    """Poll etcd until key no longer exists; returns the monotonic time or None."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if key not in etcd.tree(api, os.path.dirname(key) + '/'):
            return time.monotonic()
        time.sleep(interval)
    return None


REFRESH_RE = re.compile(r'refreshed at (\d+\.\d+)')


# -- mutual exclusion -------------------------------------------------------------

@pytest.mark.parametrize('api', APIS)
def test_one_holder_other_contends_quietly(api, etcd, helpers, tmp_path):
    config = write_config(str(tmp_path / 'etcd'), api, etcd, name=unique_name())
    first = helpers(config)
    assert first.read_status() == '0', first.errors()
    second = helpers(config)
    assert second.read_status() == '1', second.errors()
    assert second.wait(5) == 0
    time.sleep(0.3)
    assert first.process.poll() is None, 'the holder must keep running'
    # quiet on success and on contention
    assert first.errors() == ''
    assert second.errors() == ''


@pytest.mark.parametrize('api', APIS)
def test_contention_leaves_nothing_behind(api, etcd, helpers, tmp_path):
    name = unique_name()
    config = write_config(str(tmp_path / 'etcd'), api, etcd, name=name, lock_ttl=9, refresh=2)
    holder = helpers(config)
    assert holder.read_status() == '0'
    leases_before = set(etcd.v3_leases())
    for attempt in range(5):
        contender = helpers(config)
        assert contender.read_status() == '1', attempt
        contender.wait(5)
    # exactly one key: no queue entries as Samba's helper leaves
    keys = etcd.tree(api, '/_locks/_ctdb/')
    assert [key for key in keys if name in key] == ['/_locks/_ctdb/%s.lock' % name], keys
    if api == 'v3':
        assert set(etcd.v3_leases()) == leases_before, 'contenders must revoke their leases'
    # and the next attempt after the holder goes is not delayed by anything
    holder.signal(signal.SIGTERM)
    assert holder.wait_eof(2) is not None
    follower = helpers(config)
    assert follower.read_status() == '0', follower.errors()


def test_v2_and_v3_locks_do_not_see_each_other(etcd, helpers, tmp_path):
    """Documented limitation: all nodes must use the same API."""
    name = unique_name()
    v2 = helpers(write_config(str(tmp_path / 'v2'), 'v2', etcd, name=name))
    v3 = helpers(write_config(str(tmp_path / 'v3'), 'v3', etcd, name=name))
    assert v2.read_status() == '0'
    assert v3.read_status() == '0'


# -- releasing -----------------------------------------------------------------------

@pytest.mark.parametrize('api', APIS)
@pytest.mark.parametrize('signum', [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_signal_releases_at_once(api, signum, etcd, helpers, tmp_path):
    name = unique_name()
    config = write_config(str(tmp_path / 'etcd'), api, etcd, name=name)
    holder = helpers(config)
    assert holder.read_status() == '0'
    time.sleep(0.2)
    key = '/_locks/_ctdb/%s.lock' % name
    sent = time.monotonic()
    holder.signal(signum)
    # the lock is free within a second (the key is gone), so a new helper gets 0
    # on its first attempt (its own start-up time is not the holder's doing)
    freed = wait_key_gone(etcd, api, key, limit=5)
    assert freed is not None and freed - sent < 1.0, freed and freed - sent
    assert holder.wait_eof(2) is not None
    follower = helpers(config)
    assert follower.read_status(5) == '0', follower.errors()
    assert holder.wait(2) == 0
    assert holder.errors() == ''


@pytest.mark.parametrize('api', APIS)
def test_release_leaves_no_key_and_no_lease(api, etcd, helpers, tmp_path):
    name = unique_name()
    config = write_config(str(tmp_path / 'etcd'), api, etcd, name=name)
    leases_before = set(etcd.v3_leases())
    holder = helpers(config)
    assert holder.read_status() == '0'
    key = '/_locks/_ctdb/%s.lock' % name
    assert key in etcd.tree(api, '/_locks/_ctdb/')
    if api == 'v3':
        assert len(set(etcd.v3_leases()) - leases_before) == 1
    holder.signal(signal.SIGTERM)
    holder.wait(5)
    assert key not in etcd.tree(api, '/_locks/_ctdb/')
    # leases of earlier tests may expire meanwhile; what matters is that ours is gone
    assert set(etcd.v3_leases()) - leases_before == set()


@pytest.mark.parametrize('api', APIS)
def test_holder_killed_lock_expires_within_ttl_plus_refresh(api, etcd, helpers, tmp_path):
    ttl, refresh = 5, 1
    name = unique_name()
    config = write_config(str(tmp_path / 'etcd'), api, etcd, name=name, lock_ttl=ttl, refresh=refresh)
    holder = helpers(config)
    assert holder.read_status() == '0'
    time.sleep(1.5)
    holder.signal(signal.SIGKILL)
    killed = time.monotonic()
    # still held right after the crash: a contender is refused
    contender = helpers(config)
    assert contender.read_status() == '1'
    # the key expires within TTL + one refresh, and then a new helper takes the lock
    freed = wait_key_gone(etcd, api, '/_locks/_ctdb/%s.lock' % name, limit=ttl + refresh + 5)
    assert freed is not None, 'lock never became free again'
    assert freed - killed <= ttl + refresh, freed - killed
    follower = poll_until_taken(helpers, config, limit=5)[1]
    assert follower is not None, 'lock free in etcd but not taken'


@pytest.mark.parametrize('api', APIS)
def test_parent_gone_releases_within_one_refresh(api, etcd, tmp_path, helpers):
    refresh = 1
    config = write_config(str(tmp_path / 'etcd'), api, etcd, name=unique_name(), lock_ttl=5, refresh=refresh)
    read_end, write_end = os.pipe()
    # an intermediate parent (as ctdbd's recovery daemon) that starts the helper with
    # our pipe as its stdout, prints the helper's pid, then sleeps
    parent = subprocess.Popen(
        [PYTHON, '-c', 'import subprocess, sys, time\n'
         'p = subprocess.Popen(sys.argv[2:], stdout=int(sys.argv[1]), pass_fds=[int(sys.argv[1])])\n'
         'print(p.pid, flush=True)\n'
         'time.sleep(600)\n', str(write_end), PYTHON, HELPER, '-c', config],
        stdout=subprocess.PIPE, pass_fds=[write_end])
    os.close(write_end)
    try:
        helper_pid = int(parent.stdout.readline())
        assert select.select([read_end], [], [], 10)[0]
        assert os.read(read_end, 1) == b'0'
        parent.kill()
        parent.wait()
        killed = time.monotonic()
        # the helper releases and exits: its stdout (our pipe) reaches EOF
        assert select.select([read_end], [], [], refresh + 2)[0]
        assert os.read(read_end, 1) == b''
        assert time.monotonic() - killed <= refresh + 0.5
        follower = helpers(config)
        assert follower.read_status(2) == '0', follower.errors()
    finally:
        os.close(read_end)
        if parent.poll() is None:
            parent.kill()
            parent.wait()
        try:
            os.kill(helper_pid, signal.SIGKILL)
        except (ProcessLookupError, NameError, UnboundLocalError):
            pass


# -- losing the lock -----------------------------------------------------------------

@pytest.mark.parametrize('api', APIS)
def test_key_deleted_holder_exits(api, etcd, helpers, tmp_path):
    name = unique_name()
    refresh = 1
    config = write_config(str(tmp_path / 'etcd'), api, etcd, name=name, lock_ttl=5, refresh=refresh)
    holder = helpers(config)
    assert holder.read_status() == '0'
    etcd.delete(api, '/_locks/_ctdb/%s.lock' % name)
    deleted = time.monotonic()
    assert holder.wait_eof(refresh + 2) is not None
    assert holder.eof_at - deleted <= refresh + 0.5
    assert 'lock lost' in holder.errors()
    assert len(holder.errors().strip().splitlines()) == 1, holder.errors()


def test_key_taken_over_holder_exits(etcd, helpers, tmp_path):
    name = unique_name()
    config = write_config(str(tmp_path / 'etcd'), 'v2', etcd, name=name, lock_ttl=5, refresh=1)
    holder = helpers(config)
    assert holder.read_status() == '0'
    etcd.v2_put('/_locks/_ctdb/%s.lock' % name, 'intruder')
    assert holder.wait_eof(3) is not None
    assert 'taken by someone else' in holder.errors()


@pytest.mark.parametrize('api', APIS)
@pytest.mark.parametrize('how', ['paused', 'killed'])
def test_etcd_gone_holder_exits_before_ttl(api, how, own_etcd, helpers, tmp_path):
    """etcd stops answering (paused: requests hang; killed: connections refused).
    The holder must close stdout before the key could expire, i.e. before its last
    successful refresh + TTL, and not long before ttl - margin."""
    ttl, refresh = 9, 2
    name = unique_name()
    config = write_config(str(tmp_path / 'etcd'), api, own_etcd, name=name, lock_ttl=ttl, refresh=refresh)
    holder = helpers(config, verbose=2)
    assert holder.read_status() == '0'
    time.sleep(2.5)
    if how == 'paused':
        own_etcd.pause()
    else:
        own_etcd.kill()
    stopped = time.monotonic()
    assert holder.wait_eof(ttl + 2) is not None, holder.errors()
    refreshes = [float(x) for x in REFRESH_RE.findall(holder.errors())]
    assert refreshes, holder.errors()
    last_ok = max(t for t in refreshes + [holder.started_at] if t <= stopped)
    margin = min(refresh, (ttl - refresh) / 2.0)
    # never later than the TTL allows, never much earlier than planned
    assert holder.eof_at < last_ok + ttl - margin + 0.5, (holder.eof_at - last_ok, holder.errors())
    assert holder.eof_at >= last_ok + ttl - margin - 0.1, (holder.eof_at - last_ok, holder.errors())
    assert 'lock lost' in holder.errors()
    if how == 'paused':
        # the key is still there when etcd comes back: nobody could have taken it
        # while the old holder still answered for it
        own_etcd.resume()
        contender = helpers(config)
        assert contender.read_status(5) == '1', contender.errors()


# -- errors --------------------------------------------------------------------------

@pytest.mark.parametrize('api', APIS)
def test_unreachable_etcd_is_an_error(api, helpers, tmp_path):
    port = free_port(etcd_host())
    config = write_config(str(tmp_path / 'etcd'), api, name='x', endpoints='http://%s:%d' % (etcd_host(), port))
    started = time.monotonic()
    helper = helpers(config)
    assert helper.read_status() == '3'
    helper.wait(5)
    assert time.monotonic() - started < 5
    lines = helper.errors().strip().splitlines()
    assert len(lines) == 1 and 'cannot take the lock: etcd at' in lines[0], lines


@pytest.mark.parametrize('api', APIS)
def test_second_endpoint_used_when_first_is_down(api, etcd, helpers, tmp_path):
    dead = 'http://%s:%d' % (etcd_host(), free_port(etcd_host()))
    config = write_config(str(tmp_path / 'etcd'), api, name=unique_name(), endpoints='%s, %s' % (dead, etcd.url))
    helper = helpers(config)
    assert helper.read_status() == '0', helper.errors()
    assert helper.errors() == ''


@pytest.mark.parametrize('text, word', [
    ('lock_ttl = 9\nrefresh = 9\n', 'refresh'),
    ('locktime = 3\n', "'locktime'"),
    ('lock_ttl = nine\n', 'lock_ttl'),
    ('api = v4\n', 'api'),
])
def test_bad_config_prints_3_and_one_line(text, word, helpers, tmp_path):
    path = tmp_path / 'etcd'
    path.write_text(text)
    helper = helpers(str(path))
    assert helper.read_status() == '3'
    helper.wait(5)
    lines = helper.errors().strip().splitlines()
    assert len(lines) == 1 and word in lines[0] and str(path) in lines[0], lines


def test_unreadable_config_is_an_error(helpers, tmp_path):
    path = tmp_path / 'etcd'
    path.mkdir()
    helper = helpers(str(path))
    assert helper.read_status() == '3'
    assert 'cannot read' in helper.errors()


def test_samba_helper_config_works_unchanged(etcd, helpers, tmp_path):
    """A config as written for Samba's ctdb_etcd_lock (python-etcd keys, lock_refresh)."""
    locks_dir = unique_name()
    path = tmp_path / 'etcd'
    path.write_text('host = %s\nport = %d\nlock_ttl = 9\nlock_refresh = 2\nlocks_dir = %s\n'
                    % (etcd.host, etcd.client_port, locks_dir))
    helper = helpers(str(path))
    assert helper.read_status() == '0', helper.errors()
    keys = etcd.v2_tree('/_locks/%s/' % locks_dir)
    assert len(keys) == 1, keys


# -- TLS and authentication ----------------------------------------------------------

def make_pki(directory, host):
    """A CA, a server certificate for host and a client certificate, with openssl.
    etcd 3.4's gateway dials its own port with the server certificate, so that one
    needs clientAuth as well under --client-cert-auth."""
    def run(*argv):
        subprocess.run(['openssl'] + list(argv), cwd=directory, check=True, capture_output=True)
    run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem',
        '-days', '2', '-subj', '/CN=test-ca')
    for name, ext in (('server', 'subjectAltName=IP:%s\nextendedKeyUsage=serverAuth,clientAuth' % host),
                      ('client', 'extendedKeyUsage=clientAuth')):
        run('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', name + '.key', '-out', name + '.csr',
            '-subj', '/CN=%s' % name)
        with open(os.path.join(directory, name + '.ext'), 'w') as handle:
            handle.write(ext + '\n')
        run('x509', '-req', '-in', name + '.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial',
            '-out', name + '.pem', '-days', '2', '-extfile', name + '.ext')
    return {'ca': os.path.join(directory, 'ca.pem'),
            'cert': os.path.join(directory, 'server.pem'), 'key': os.path.join(directory, 'server.key'),
            'client_cert': os.path.join(directory, 'client.pem'),
            'client_key': os.path.join(directory, 'client.key')}


@pytest.fixture(scope='module')
def tls_etcd(tmp_path_factory):
    if not shutil.which('openssl'):
        pytest.skip('openssl is needed to make test certificates')
    pki = make_pki(str(tmp_path_factory.mktemp('pki')), etcd_host())
    server = EtcdServer(tls=pki).start()
    try:
        yield server, pki
    finally:
        server.stop()


@pytest.mark.parametrize('api', APIS)
def test_tls_with_client_certificate(api, tls_etcd, helpers, tmp_path):
    server, pki = tls_etcd
    config = write_config(str(tmp_path / 'etcd'), api, server, name=unique_name(), ca_cert=pki['ca'],
                          cert=pki['client_cert'], cert_key=pki['client_key'])
    holder = helpers(config)
    assert holder.read_status() == '0', holder.errors()
    contender = helpers(config)
    assert contender.read_status() == '1', contender.errors()
    holder.signal(signal.SIGTERM)
    holder.wait_eof(2)
    follower = helpers(config)
    assert follower.read_status() == '0', follower.errors()


@pytest.mark.parametrize('api', APIS)
def test_tls_without_client_certificate_is_an_error(api, tls_etcd, helpers, tmp_path):
    server, pki = tls_etcd
    config = write_config(str(tmp_path / 'etcd'), api, server, name=unique_name(), ca_cert=pki['ca'])
    helper = helpers(config)
    assert helper.read_status() == '3'
    assert 'cannot take the lock: etcd at' in helper.errors()


@pytest.fixture(scope='module')
def auth_etcd():
    """etcd with authentication on for both APIs: user root (password rootpw) and
    user ctdb (password ctdbpw) allowed to read and write /_locks/."""
    server = EtcdServer().start()
    try:
        # v3: users and roles through the gateway, then auth on
        for path, payload in (
                ('/v3/auth/user/add', {'name': 'root', 'password': 'rootpw'}),
                ('/v3/auth/user/grant', {'user': 'root', 'role': 'root'}),
                ('/v3/auth/user/add', {'name': 'ctdb', 'password': 'ctdbpw'}),
                ('/v3/auth/role/add', {'name': 'locks'}),
                ('/v3/auth/role/grant', {'name': 'locks', 'perm': {
                    'permType': 'READWRITE', 'key': b64('/_locks/'), 'range_end': b64('/_locks0')}}),
                ('/v3/auth/user/grant', {'user': 'ctdb', 'role': 'locks'}),
                ('/v3/auth/enable', {})):
            answer = server._request(path, payload)
            assert 'error' not in answer, (path, answer)
        # v2: its own users and roles
        for path, payload in (
                ('/v2/auth/users/root', {'user': 'root', 'password': 'rootpw'}),
                ('/v2/auth/roles/locks', {'role': 'locks', 'permissions': {'kv': {
                    'read': ['/_locks/*'], 'write': ['/_locks/*']}}}),
                ('/v2/auth/users/ctdb', {'user': 'ctdb', 'password': 'ctdbpw', 'roles': ['locks']})):
            server._request(path, payload, method='PUT')
        server._request('/v2/auth/enable', {}, method='PUT')
        yield server
    finally:
        server.stop()


@pytest.mark.parametrize('api', APIS)
def test_username_and_password(api, auth_etcd, helpers, tmp_path):
    config = write_config(str(tmp_path / 'etcd'), api, auth_etcd, name=unique_name(),
                          username='ctdb', password='ctdbpw')
    holder = helpers(config)
    assert holder.read_status() == '0', holder.errors()
    time.sleep(2.5)  # at least one refresh with the credentials
    contender = helpers(config)
    assert contender.read_status() == '1', contender.errors()
    holder.signal(signal.SIGTERM)
    holder.wait_eof(2)
    assert holder.errors() == ''
    wrong = helpers(write_config(str(tmp_path / 'wrong'), api, auth_etcd, name=unique_name(),
                                 username='ctdb', password='nope'))
    assert wrong.read_status() == '3'
    assert 'authentication' in wrong.errors() or 'credentials' in wrong.errors(), wrong.errors()


def test_runs_directly_as_ctdb_executes_it(etcd, helpers, tmp_path):
    """CTDB execv()s the file itself: the first lines hand it to /usr/bin/python3."""
    probe = subprocess.run(['/usr/bin/python3', '-c', 'import etcd'], capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.skip('/usr/bin/python3 has no python-etcd (Debian: python3-etcd)')
    config = write_config(str(tmp_path / 'etcd'), 'v2', etcd, name=unique_name())
    holder = helpers(config, argv=[HELPER, '-c', config])
    assert holder.read_status() == '0', holder.errors()
    with open('/proc/%d/cmdline' % holder.process.pid, 'rb') as handle:
        assert handle.read().split(b'\0')[0] == b'/usr/bin/python3'
    holder.signal(signal.SIGTERM)
    assert holder.wait_eof(2) is not None
