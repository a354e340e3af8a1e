# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Real etcd servers for the tests and bench/: one single-member etcd (v2 and v3 APIs) on free ports
of the sandbox subnet's address .200, with direct access to its keys to look behind a client's back;
a TCP forwarder in front of one that can stop forwarding."""
import base64
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request

from ctdbtest import now


def etcd_host():
    return '%s.200' % os.environ.get('CTDB_SANDBOX_SUBNET', '127.0.10')  # conftest's default subnet


def free_port(host):
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


class EtcdServer:
    """One single-member etcd with the v2 API enabled, on free ports."""

    def __init__(self, host=None, tls=None):
        self.host = host or etcd_host()
        self.tls = tls  # dict(ca=, cert=, key=) to serve https and require client certificates
        self.process = None
        self.data_dir = None
        self.client_port = None
        self.peer_port = None

    @property
    def url(self):
        return '%s://%s:%d' % ('https' if self.tls else 'http', self.host, self.client_port)

    def start(self, timeout=20):
        self.data_dir = tempfile.mkdtemp(prefix='ctdb-lock-etcd-')
        self.client_port = free_port(self.host)
        self.peer_port = free_port(self.host)
        peer = 'http://%s:%d' % (self.host, self.peer_port)
        argv = ['etcd', '--name', 'lock', '--data-dir', self.data_dir,
                '--listen-client-urls', self.url, '--advertise-client-urls', self.url,
                '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer,
                '--initial-cluster', 'lock=%s' % peer, '--enable-v2']
        if self.tls:
            argv += ['--cert-file', self.tls['cert'], '--key-file', self.tls['key'],
                     '--trusted-ca-file', self.tls['ca'], '--client-cert-auth']
        self.log = open(os.path.join(self.data_dir, 'etcd.log'), 'w')
        self.process = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = now() + timeout
        while now() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError('etcd exited (rc %s): %s' % (self.process.returncode, self.log_text()[-2000:]))
            if self.tls or self.healthy():
                if self.tls:
                    time.sleep(1.5)  # no client certificate here to ask /health: give it time
                return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError('etcd not healthy within %d s: %s' % (timeout, self.log_text()[-2000:]))

    def healthy(self):
        try:
            with urllib.request.urlopen(self.url + '/health', timeout=1) as answer:
                return b'true' in answer.read()
        except OSError:
            return False

    def log_text(self):
        try:
            with open(os.path.join(self.data_dir, 'etcd.log')) as handle:
                return handle.read()
        except OSError:
            return ''

    def pause(self):
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self):
        os.kill(self.process.pid, signal.SIGCONT)

    def kill(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def stop(self):
        if self.process and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGCONT)
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.data_dir:
            self.log.close()
            shutil.rmtree(self.data_dir, ignore_errors=True)
            self.data_dir = None

    # -- direct access, to look behind the helper's back -------------------------
    def _request(self, path, payload=None, method=None, timeout=5):
        data = None
        headers = {}
        if payload is not None:
            data = json.dumps(payload).encode()
            headers['Content-Type'] = 'application/json'
        request = urllib.request.Request(self.url + path, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:
                body = answer.read()
        except urllib.error.HTTPError as exc:
            body = exc.read()
        return json.loads(body) if body.strip() else {}

    def v2_tree(self, path='/'):
        """All v2 keys below path: {key: value}."""
        answer = self._request('/v2/keys%s?recursive=true' % path)
        found = {}

        def walk(node):
            if node.get('dir'):
                for child in node.get('nodes', []):
                    walk(child)
            elif 'key' in node:
                found[node['key']] = node.get('value')
        walk(answer.get('node', {}))
        return found

    def v2_delete(self, key):
        return self._request('/v2/keys%s' % key, method='DELETE')

    def v2_put(self, key, value, ttl=None, prev_exist=None):
        data = ('value=%s' % value).encode()
        if ttl is not None:
            data += b'&ttl=%d' % ttl
        if prev_exist is not None:
            data += b'&prevExist=' + (b'true' if prev_exist else b'false')
        request = urllib.request.Request(self.url + '/v2/keys%s' % key, data=data, method='PUT')
        with urllib.request.urlopen(request, timeout=5) as answer:
            return json.load(answer)

    def v3_tree(self, prefix='/'):
        """All v3 keys with prefix: {key: value}."""
        end = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        answer = self._request('/v3/kv/range', {'key': b64(prefix), 'range_end': b64(end)})
        return {base64.b64decode(kv['key']).decode(): base64.b64decode(kv.get('value', '')).decode()
                for kv in answer.get('kvs', [])}

    def v3_leases(self):
        return [int(item['ID']) for item in self._request('/v3/lease/leases', {}).get('leases', [])]

    def v3_put(self, key, value, ttl=None):
        """Put key (with a new lease of ttl seconds when given); returns the lease ID or 0."""
        lease = 0
        if ttl is not None:
            lease = int(self._request('/v3/lease/grant', {'TTL': ttl, 'ID': 0})['ID'])
        self._request('/v3/kv/put', {'key': b64(key), 'value': b64(value), 'lease': lease})
        return lease

    def v3_keepalive(self, lease):
        return self._request('/v3/lease/keepalive', {'ID': lease})

    def v3_delete(self, key):
        return self._request('/v3/kv/deleterange', {'key': b64(key)})

    def holder(self, api, key):
        """(value, seconds left) of a key with a TTL or lease, (value, None) without one; None if absent."""
        if api == 'v2':
            node = self._request('/v2/keys%s' % key).get('node')
            if not node or 'value' not in node:
                return None
            return node['value'], node.get('ttl')
        kvs = self._request('/v3/kv/range', {'key': b64(key)}).get('kvs', [])
        if not kvs:
            return None
        value, lease = base64.b64decode(kvs[0].get('value', '')).decode(), int(kvs[0].get('lease', 0))
        if not lease:
            return value, None
        return value, int(self._request('/v3/kv/lease/timetolive', {'ID': lease}).get('TTL', -1))

    def tree(self, api, prefix='/'):
        return self.v2_tree(prefix) if api == 'v2' else self.v3_tree(prefix)

    def delete(self, api, key):
        return self.v2_delete(key) if api == 'v2' else self.v3_delete(key)


def b64(text):
    return base64.b64encode(text.encode()).decode()


def wait_key_gone(etcd, api, key, limit, interval=0.05):
    """Poll etcd until key no longer exists; returns its now() time or None."""
    deadline = now() + limit
    while now() < deadline:
        if key not in etcd.tree(api, os.path.dirname(key) + '/'):
            return now()
        time.sleep(interval)
    return None


class KeyWatch:
    """Reads one key every `interval` seconds in a thread, to tell afterwards when a value was last
    seen: each read is recorded with the time its request was SENT, so "seen at t" proves the key held
    that value at t or later."""

    def __init__(self, etcd, api, key, interval=0.05):
        self.etcd, self.api, self.key, self.interval = etcd, api, key, interval
        self.reads = []  # (sent at, value or None)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self):
        self._thread.start()
        return self

    def _run(self):
        while not self._stop.is_set():
            sent = now()
            try:
                found = self.etcd.holder(self.api, self.key)
            except OSError:
                found = 'unreadable'  # etcd paused or gone: no observation
            if found != 'unreadable':
                self.reads.append((sent, found[0] if found else None))
            self._stop.wait(self.interval)

    def stop(self):
        self._stop.set()
        self._thread.join(10)
        return self

    def last_seen(self, value):
        """The latest send time of a read that found `value`, or None."""
        times = [sent for sent, seen in self.reads if seen == value]
        return max(times) if times else None


class StallProxy:
    """A TCP forwarder in front of etcd that can stop forwarding (stall()): a
    request sent through it then hangs, as with a black-holed network path.
    hung is set once a request is waiting on the stalled proxy."""

    def __init__(self, target_host, target_port, host=None):
        self.target = (target_host, target_port)
        self.host = host or etcd_host()
        self.listener = socket.socket()
        self.listener.bind((self.host, 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self.stalled = threading.Event()
        self.hung = threading.Event()
        self.closed = threading.Event()
        self.sockets = []

    @property
    def url(self):
        return 'http://%s:%d' % (self.host, self.port)

    def start(self):
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def stall(self):
        self.hung.clear()
        self.stalled.set()

    def _accept(self):
        self.listener.settimeout(0.1)
        while not self.closed.is_set():
            try:
                client = self.listener.accept()[0]
            except OSError:
                continue
            upstream = socket.create_connection(self.target, timeout=5)
            self.sockets += [client, upstream]
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()

    def _pump(self, client, upstream):
        peer = {client: upstream, upstream: client}
        try:
            while not self.closed.is_set():
                ready = select.select([client, upstream], [], [], 0.05)[0]
                if self.stalled.is_set():
                    if client in ready:
                        self.hung.set()
                    time.sleep(0.02)
                    continue
                for sock in ready:
                    data = sock.recv(65536)
                    if not data:
                        return
                    peer[sock].sendall(data)
        except OSError:
            return
        finally:
            client.close()
            upstream.close()

    def stop(self):
        self.closed.set()
        self.listener.close()
