# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The v2 and v3 backends against fake clients: which requests they make and how
answers map to held / contention / lost / unavailable."""
import base64
import json
import subprocess
import sys

import pytest
import urllib3

etcd = pytest.importorskip('etcd')
etcd3_exceptions = pytest.importorskip('etcd3gw.exceptions')

KEY = '/_locks/_ctdb/C.lock'


def settings(lock, text='lock_ttl = 9\nrefresh = 2\n'):
    return lock.build_settings(lock.parse_config_text(text))


class Result:
    def __init__(self, value, ttl=None):
        self.value = value
        # etcd v2 reports a key past its expiry, before its sweep, without a TTL
        self.ttl = None if ttl == 'expired' else ttl
        self.expiration = '2026-12-02T05:50:56Z' if ttl is not None else None


class FakeV2Client:
    """Minimal python-etcd Client: one key, compare-and-swap semantics."""

    def __init__(self, store, down=False, ttls=None):
        self.store = store
        self.down = down
        self.calls = []
        self.ttls = ttls or {}  # key: seconds left, as etcd reports a key with a TTL

    def _check(self):
        if self.down:
            raise etcd.EtcdConnectionFailed('Connection to etcd failed due to [Errno 111] Connection refused')

    def write(self, key, value, ttl=None, **kwargs):
        self.calls.append(('write', key, value, ttl, kwargs))
        self._check()
        current = self.store.get(key)
        if kwargs.get('prevExist') is False and current is not None:
            raise etcd.EtcdAlreadyExist('Key already exists')
        if 'prevValue' in kwargs:
            if current is None:
                raise etcd.EtcdKeyNotFound('Key not found')
            if current != kwargs['prevValue']:
                raise etcd.EtcdCompareFailed('Compare failed')
        self.store[key] = value
        return Result(value)

    def read(self, key):
        self.calls.append(('read', key))
        self._check()
        if key not in self.store:
            raise etcd.EtcdKeyNotFound('Key not found')
        return Result(self.store[key], self.ttls.get(key))

    def delete(self, key, **kwargs):
        self.calls.append(('delete', key, kwargs))
        self._check()
        if key not in self.store:
            raise etcd.EtcdKeyNotFound('Key not found')
        if self.store[key] != kwargs.get('prevValue'):
            raise etcd.EtcdCompareFailed('Compare failed')
        del self.store[key]


def v2_backend(lock, clients, text='endpoints = http://a:1, http://b:2\n'):
    backend = lock.V2Backend(settings(lock, text), KEY, 'me')
    backend._client = lambda endpoint: clients[endpoint[1]]
    return backend


def test_v2_acquire_creates_with_ttl_and_prev_exist_false(lock):
    store = {}
    client = FakeV2Client(store)
    backend = v2_backend(lock, {'a': client})
    assert backend.acquire() is True
    assert store == {KEY: 'me'}
    assert client.calls == [('write', KEY, 'me', 9, {'prevExist': False})]


def test_v2_contention_reads_holder_and_writes_nothing(lock):
    store = {KEY: 'other'}
    client = FakeV2Client(store)
    backend = v2_backend(lock, {'a': client})
    assert backend.acquire() is False
    assert store == {KEY: 'other'}
    assert [c[0] for c in client.calls] == ['write', 'read']


@pytest.mark.parametrize('ttls, expected', [({KEY: 4}, 4.0), ({KEY: 'expired'}, 0.0), ({}, None)])
def test_v2_holder_reads_token_and_time_left(lock, ttls, expected):
    client = FakeV2Client({KEY: 'other'}, ttls=ttls)
    backend = v2_backend(lock, {'a': client})
    assert backend.holder() == lock.Holder('other', expected)
    assert client.calls == [('read', KEY)]
    assert v2_backend(lock, {'a': FakeV2Client({})}).holder() is None


def test_v2_acquire_recognises_its_own_earlier_create(lock):
    """The first create reached etcd but its answer was lost; the retry on the
    next endpoint finds our own token."""
    store = {KEY: 'me'}
    backend = v2_backend(lock, {'a': FakeV2Client(store)})
    assert backend.acquire() is True


def test_v2_fails_over_to_next_endpoint(lock):
    store = {}
    down, up = FakeV2Client(store, down=True), FakeV2Client(store)
    backend = v2_backend(lock, {'a': down, 'b': up})
    assert backend.acquire() is True
    assert backend.describe_endpoint() == 'http://b:2'
    backend.refresh()  # stays on the endpoint that works
    assert len(down.calls) == 1


def test_v2_all_endpoints_down(lock):
    store = {}
    backend = v2_backend(lock, {'a': FakeV2Client(store, down=True), 'b': FakeV2Client(store, down=True)})
    with pytest.raises(lock.Unavailable, match=r'\[Errno 111\] Connection refused'):
        backend.acquire()


def test_v2_refresh_is_compare_and_swap(lock):
    store = {KEY: 'me'}
    client = FakeV2Client(store)
    backend = v2_backend(lock, {'a': client})
    backend.refresh()
    assert client.calls == [('write', KEY, 'me', 9, {'prevValue': 'me'})]


@pytest.mark.parametrize('store, message', [({}, 'has disappeared'), ({KEY: 'other'}, 'taken by someone else')])
def test_v2_refresh_lost(lock, store, message):
    backend = v2_backend(lock, {'a': FakeV2Client(store)})
    with pytest.raises(lock.LockLost, match=message):
        backend.refresh()
    # never overwrites someone else's key
    assert store.get(KEY) in (None, 'other')


def test_v2_release_is_compare_and_delete(lock):
    store = {KEY: 'me'}
    backend = v2_backend(lock, {'a': FakeV2Client(store)})
    backend.release()
    assert store == {}
    store[KEY] = 'other'
    backend.release()  # not ours: left alone, no error
    assert store == {KEY: 'other'}


def test_v2_client_options(lock, tmp_path, monkeypatch):
    cert, key, ca = tmp_path / 'c.pem', tmp_path / 'c.key', tmp_path / 'ca.pem'
    for path in (cert, key, ca):
        path.write_text('x')
    cfg = settings(lock, 'protocol = https\nhost = h\nport = 3\nca_cert = %s\ncert = %s\ncert_key = %s\n'
                         'username = u\npassword = p\nallow_redirect = false\n' % (ca, cert, key))
    seen = {}

    class Client:
        def __init__(self, **kwargs):
            seen.update(kwargs)
            self.http = urllib3.PoolManager()
    monkeypatch.setattr(etcd, 'Client', Client)
    backend = lock.V2Backend(cfg, KEY, 'me')
    assert isinstance(backend._current(), Client)
    assert seen == {'host': 'h', 'port': 3, 'protocol': 'https', 'read_timeout': 1.5, 'ca_cert': str(ca),
                    'cert': (str(cert), str(key)), 'username': 'u', 'password': 'p', 'allow_redirect': False}


def test_v2_real_client_sends_each_request_once(lock):
    """urllib3's default would send a timed-out PUT three more times: four request
    timeouts on a hanging endpoint before the next one is tried."""
    backend = lock.V2Backend(settings(lock, 'endpoints = http://127.0.0.1:9\n'), KEY, 'me')
    retries = backend._current().http.connection_pool_kw['retries']
    assert (retries.connect, retries.read, retries.status, retries.other) == (0, 0, 0, 0)
    with pytest.raises(lock.Unavailable, match='Connection refused'):
        backend.acquire()


# -- v3 -------------------------------------------------------------------------------

def b64(text):
    return base64.b64encode(text.encode()).decode()


class FakeSession:
    def __init__(self):
        self.headers = {}
        self.trust_env = True
        self.cert = None


class FakeV3Client:
    """etcd3gw client: post(url, json=...) against a dict store with leases."""

    def __init__(self, state, down=False):
        self.state = state
        self.down = down
        self.session = FakeSession()
        self.calls = []

    def get_url(self, path):
        return path

    def post(self, url, json=None):
        self.calls.append((url, json))
        if self.down:
            raise etcd3_exceptions.ConnectionFailedError('Connection refused')
        state = self.state
        if url == '/lease/grant':
            state['next_lease'] += 1
            state['leases'].add(state['next_lease'])
            return {'ID': str(state['next_lease']), 'TTL': str(json['TTL'])}
        if url == '/kv/txn':
            key = json['compare'][0]['key']
            if key in state['kv']:
                value, lease = state['kv'][key]
                return {'succeeded': False, 'responses': [
                    {'response_range': {'kvs': [{'key': key, 'value': value, 'lease': str(lease)}]}}]}
            put = json['success'][0]['request_put']
            state['kv'][key] = (put['value'], put['lease'])
            return {'succeeded': True}
        if url == '/lease/keepalive':
            ttl = 9 if json['ID'] in state['leases'] else None
            return {'result': {'ID': str(json['ID'])} if ttl is None else {'ID': str(json['ID']), 'TTL': '9'}}
        if url == '/kv/range':
            if json['key'] in state['kv']:
                value, lease = state['kv'][json['key']]
                return {'kvs': [{'key': json['key'], 'value': value, 'lease': str(lease)}]}
            return {}
        if url == '/kv/lease/revoke':
            if json['ID'] not in state['leases']:
                raise etcd3_exceptions.Etcd3Exception('{"error":"etcdserver: requested lease not found"}')
            state['leases'].discard(json['ID'])
            state['kv'] = {k: v for k, v in state['kv'].items() if v[1] != json['ID']}
            return {}
        if url == '/kv/lease/timetolive':
            left = state.get('ttl_left', {}).get(json['ID'])
            return {'ID': str(json['ID']), 'TTL': str(-1 if left is None else left), 'grantedTTL': '9'}
        if url == '/auth/authenticate':
            return {'token': 'tok-%s' % json['name']}
        raise AssertionError(url)


def v3_state():
    return {'kv': {}, 'leases': set(), 'next_lease': 100}


def v3_backend(lock, clients, text='api = v3\nendpoints = http://a:1, http://b:2\n'):
    backend = lock.V3Backend(settings(lock, text), KEY, 'me')
    backend._client = lambda endpoint: clients[endpoint[1]]
    return backend


def test_v3_acquire_lease_then_create_if_absent(lock):
    state = v3_state()
    client = FakeV3Client(state)
    backend = v3_backend(lock, {'a': client})
    assert backend.acquire() is True
    assert [c[0] for c in client.calls] == ['/lease/grant', '/kv/txn']
    txn = client.calls[1][1]
    assert txn['compare'] == [{'key': b64(KEY), 'result': 'EQUAL', 'target': 'CREATE', 'create_revision': 0}]
    assert txn['success'][0]['request_put'] == {'key': b64(KEY), 'value': b64('me'), 'lease': 101}
    assert state['kv'] == {b64(KEY): (b64('me'), 101)}


def test_v3_contention_revokes_its_lease(lock):
    state = v3_state()
    state['kv'][b64(KEY)] = (b64('other'), 7)
    state['leases'].add(7)
    backend = v3_backend(lock, {'a': FakeV3Client(state)})
    assert backend.acquire() is False
    assert state['leases'] == {7}  # ours is gone: nothing left behind
    assert backend.lease_id is None


def test_v3_refresh_keepalive_and_check(lock):
    state = v3_state()
    client = FakeV3Client(state)
    backend = v3_backend(lock, {'a': client})
    backend.acquire()
    backend.refresh()
    assert [c[0] for c in client.calls[2:]] == ['/lease/keepalive', '/kv/range']


def test_v3_refresh_lease_expired(lock):
    state = v3_state()
    backend = v3_backend(lock, {'a': FakeV3Client(state)})
    backend.acquire()
    state['leases'].clear()
    with pytest.raises(lock.LockLost, match='has expired'):
        backend.refresh()


@pytest.mark.parametrize('replacement, message', [(None, 'has disappeared'),
                                                  ((b64('other'), 101), 'taken by someone else'),
                                                  ((b64('me'), 555), 'taken by someone else')])
def test_v3_refresh_key_changed(lock, replacement, message):
    state = v3_state()
    backend = v3_backend(lock, {'a': FakeV3Client(state)})
    backend.acquire()
    if replacement is None:
        del state['kv'][b64(KEY)]
    else:
        state['kv'][b64(KEY)] = replacement
    with pytest.raises(lock.LockLost, match=message):
        backend.refresh()


@pytest.mark.parametrize('lease, left, expected', [(7, 3, 3.0), (7, None, 0.0), (0, None, None)])
def test_v3_holder_reads_token_and_lease_time_left(lock, lease, left, expected):
    """TTL -1 from timetolive (lease expired, key about to go) counts as 0 s left;
    a key put without a lease never expires."""
    state = v3_state()
    state['kv'][b64(KEY)] = (b64('other'), lease)
    state['ttl_left'] = {} if left is None else {lease: left}
    client = FakeV3Client(state)
    backend = v3_backend(lock, {'a': client})
    assert backend.holder() == lock.Holder('other', expected)
    assert [c[0] for c in client.calls] == ['/kv/range'] + (['/kv/lease/timetolive'] if lease else [])
    assert v3_backend(lock, {'a': FakeV3Client(v3_state())}).holder() is None


def test_v3_release_revokes_lease(lock):
    state = v3_state()
    backend = v3_backend(lock, {'a': FakeV3Client(state)})
    backend.acquire()
    backend.release()
    assert state['kv'] == {} and state['leases'] == set()
    backend.release()  # twice is harmless


def test_v3_fails_over_and_reports_unavailable(lock):
    state = v3_state()
    backend = v3_backend(lock, {'a': FakeV3Client(state, down=True), 'b': FakeV3Client(state)})
    assert backend.acquire() is True
    backend = v3_backend(lock, {'a': FakeV3Client(state, down=True), 'b': FakeV3Client(state, down=True)})
    with pytest.raises(lock.Unavailable, match='Connection refused'):
        backend.acquire()


def test_v3_authenticates_and_ignores_environment(lock):
    state = v3_state()
    client = FakeV3Client(state)
    backend = v3_backend(lock, {'a': client}, 'api = v3\nendpoints = https://a:1\nusername = ctdb\npassword = pw\n')
    assert backend.acquire() is True
    assert client.calls[0] == ('/auth/authenticate', {'name': 'ctdb', 'password': 'pw'})
    assert client.session.headers['Authorization'] == 'tok-ctdb'


def test_v3_real_client_settings(lock, tmp_path):
    """The real etcd3gw client object: TLS files, no environment (REQUESTS_CA_BUNDLE
    would otherwise override ca_cert), the /v3/ path and our timeout on every request."""
    cert, ca = tmp_path / 'c.pem', tmp_path / 'ca.pem'
    cert.write_text('x')
    ca.write_text('x')
    cfg = settings(lock, 'api = v3\nendpoints = https://h:3\nca_cert = %s\ncert = %s\n' % (ca, cert))
    backend = lock.V3Backend(cfg, KEY, 'me')
    client = backend._current()
    assert client.get_url('/kv/range') == 'https://h:3/v3/kv/range'
    assert client.session.verify == str(ca)
    assert client.session.cert == str(cert)
    assert client.session.trust_env is False
    assert client.session.get_adapter('https://h:3/v3/kv/range').send.__qualname__.startswith('_timeout_adapter')


CLIENT_PROBE = """
import importlib.machinery, importlib.util, json, sys
loader = importlib.machinery.SourceFileLoader("h", sys.argv[1])
spec = importlib.util.spec_from_loader("h", loader)
lock = sys.modules["h"] = importlib.util.module_from_spec(spec)
loader.exec_module(lock)
import etcd3gw, requests.adapters
seen = {}
def send(self, request, **kwargs):
    seen.update(url=request.url, timeout=kwargs.get("timeout"))
    raise requests.exceptions.ConnectionError("stop here")
requests.adapters.HTTPAdapter.send = send
cfg = lock.build_settings(lock.parse_config_text("api = v3\\nendpoints = http://127.0.0.1:9\\n"))
backend = lock.V3Backend(cfg, "/k", "t")
try:
    backend.acquire()
except lock.Unavailable as exc:
    seen["error"] = str(exc)
print(json.dumps(seen))
"""


@pytest.mark.parametrize('python', [sys.executable, '/usr/bin/python3'])
def test_v3_path_and_timeout_with_each_etcd3gw(lock, python):
    """Every etcd3gw a node may have (the venv's from PyPI, Debian 12's 2.0.0 under
    /usr/bin/python3): requests go to /v3/ (2.0.0 defaults to /v3alpha/, which etcd
    3.4 answers with 404) and carry our timeout (2.0.0 sets none on its requests)."""
    probe = subprocess.run([python, '-c', 'import etcd3gw'], capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.skip('%s has no etcd3gw (Debian: python3-etcd3gw)' % python)
    result = subprocess.run([python, '-c', CLIENT_PROBE, lock.__file__], capture_output=True, text=True, check=True)
    seen = json.loads(result.stdout)
    assert seen['url'] == 'http://127.0.0.1:9/v3/lease/grant'
    assert seen['timeout'] == 1.5
    assert 'stop here' in seen['error']


def test_v2_client_construction_failure_is_unavailable(lock, monkeypatch):
    """python-etcd asks the network in its constructor with allow_reconnect or srv_domain."""
    def refuse(**kwargs):
        raise etcd.EtcdException('Could not get the list of servers, maybe you provided the wrong host(s) to connect to?')
    monkeypatch.setattr(etcd, 'Client', refuse)
    backend = lock.V2Backend(settings(lock, 'allow_reconnect = true\n'), KEY, 'me')
    with pytest.raises(lock.Unavailable, match='Could not get the list of servers'):
        backend.acquire()


def test_v2_directory_in_the_way_is_an_error_not_a_crash(lock):
    class DirClient(FakeV2Client):
        def write(self, key, value, ttl=None, **kwargs):
            raise etcd.EtcdNotFile('Not a file')
    backend = v2_backend(lock, {'a': DirClient({}), 'b': DirClient({})})
    with pytest.raises(lock.Unavailable, match='Not a file'):
        backend.acquire()


@pytest.mark.parametrize('config, loads_dns', [('', False), ('srv_domain = example.invalid\n', True)])
def test_v2_loads_dnspython_only_for_srv_domain(lock, config, loads_dns):
    """In a fresh interpreter: python-etcd works, and dnspython (with httpx and
    requests on Debian 12: ~25 MB) is loaded only when srv_domain needs it."""
    script = (
        'import importlib.machinery, importlib.util, sys\n'
        'loader = importlib.machinery.SourceFileLoader("h", %r)\n'
        'spec = importlib.util.spec_from_loader("h", loader)\n'
        'lock = sys.modules["h"] = importlib.util.module_from_spec(spec)\n'
        'loader.exec_module(lock)\n'
        'cfg = lock.build_settings(lock.parse_config_text(%r))\n'
        'backend = lock.V2Backend(cfg, "/k", "t")\n'
        'assert backend.etcd.Client and backend.etcd.EtcdKeyNotFound\n'
        'print("dns.resolver" in sys.modules and hasattr(sys.modules["dns.resolver"], "Resolver"))\n'
    ) % (lock.__file__, config)
    result = subprocess.run([sys.executable, '-c', script], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == str(loads_dns)
