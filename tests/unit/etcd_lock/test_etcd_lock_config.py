# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Config file, smb.conf and lock-name handling of the etcd lock helper."""
import os

import pytest

SAMBA_STYLE = """\
port = 2379
lock_ttl = 9
lock_refresh = 2
locks_dir = _ctdb
host = 10.0.0.5
protocol = https
ca_cert = {ca}
username = ctdb
password = s3cret
"""


def settings(lock, text):
    return lock.build_settings(lock.parse_config_text(text))


def test_defaults_are_samba_defaults(lock):
    cfg = settings(lock, '')
    assert cfg.api == 'v2'
    assert cfg.lock_ttl == 9
    assert cfg.refresh == 2.0
    assert cfg.locks_dir == '_ctdb'
    assert cfg.endpoints == [('http', '127.0.0.1', 2379)]
    assert cfg.timeout == 1.5


def test_samba_helper_config_works_unchanged(lock, tmp_path):
    ca = tmp_path / 'ca.pem'
    ca.write_text('x')
    cfg = settings(lock, SAMBA_STYLE.format(ca=ca))
    assert cfg.endpoints == [('https', '10.0.0.5', 2379)]
    assert cfg.refresh == 2.0
    assert cfg.username == 'ctdb' and cfg.password == 's3cret'
    assert cfg.ca_cert == str(ca)


def test_blank_lines_and_comments(lock):
    cfg = settings(lock, '\n# whole line\n   \n; also a comment\nlock_ttl = 12   # trailing\n'
                         'refresh = 3 #trailing without space before text\n\n')
    assert cfg.lock_ttl == 12
    assert cfg.refresh == 3.0


def test_hash_inside_a_value_needs_no_space_or_quotes(lock):
    cfg = settings(lock, 'username = u\npassword = pa#ss\n')
    assert cfg.password == 'pa#ss'
    cfg = settings(lock, 'username = u\npassword = "with # inside"  # comment\n')
    assert cfg.password == 'with # inside'


def test_refresh_and_lock_refresh_are_the_same_key(lock):
    assert settings(lock, 'refresh = 1.5\n').refresh == 1.5
    assert settings(lock, 'lock_refresh = 1.5\n').refresh == 1.5
    # the last one written wins, as in Samba's helper
    assert settings(lock, 'refresh = 1\nlock_refresh = 3\n').refresh == 3.0


def test_timeout_never_exceeds_refresh(lock):
    assert settings(lock, 'timeout = 0.5\n').timeout == 0.5
    assert settings(lock, 'read_timeout = 60\n').timeout == 2.0


def test_endpoints(lock):
    cfg = settings(lock, 'endpoints = https://10.0.0.1:2379, https://10.0.0.2:2380  10.0.0.3\n')
    assert cfg.endpoints == [('https', '10.0.0.1', 2379), ('https', '10.0.0.2', 2380), ('http', '10.0.0.3', 2379)]
    cfg = settings(lock, 'endpoints = https://[fd00::1]:2379\n')
    assert cfg.endpoints == [('https', 'fd00::1', 2379)]


def test_booleans_are_real_booleans(lock):
    # Samba's helper passed the string "False", which is true
    assert settings(lock, 'allow_redirect = False\n').client_options['allow_redirect'] is False
    assert settings(lock, 'allow_redirect = yes\n').client_options['allow_redirect'] is True


@pytest.mark.parametrize('text, words', [
    ('lockttl = 9\n', ["line 1", "unknown key 'lockttl'"]),
    ('lock_ttl = nine\n', ['line 1', 'lock_ttl', "'nine'", 'whole number']),
    ('lock_ttl = 9.5\n', ['lock_ttl', 'whole number']),
    ('lock_ttl = 1\n', ['lock_ttl', 'too small']),
    ('port = 70000\n', ['port', 'too large']),
    ('refresh = 0\n', ['refresh', 'positive']),
    ('refresh = nan\n', ['refresh', 'positive']),
    ('refresh = 9\n', ['refresh', 'less than lock_ttl']),
    ('lock_ttl = 5\nlock_refresh = 6\n', ['lock_refresh (line 2)', 'less than lock_ttl']),
    ('api = v4\n', ['api', "'v4'", 'v2, v3']),
    ('protocol = ftp\n', ['protocol']),
    ('allow_redirect = maybe\n', ['allow_redirect', 'boolean']),
    ('just words\n', ['line 1', 'key = value']),
    ('name = my lock\n', ['name', 'letters, digits']),
    ('name = a/b\n', ['name']),
    ('locks_dir = a b\n', ['locks_dir']),
    ('host =\n', ['host', 'empty']),
    ('endpoints = ftp://x:1\n', ['endpoints', 'ftp://x:1']),
    ('endpoints = http://a:1\nhost = b\n', ['host (line 2)', 'either endpoints or host']),
    ('api = v3\nallow_reconnect = true\n', ['allow_reconnect (line 2)', 'only supported with api = v2']),
    ('username = u\n', ['username', 'together']),
    ('password = p\n', ['password', 'together']),
    ('cert_key = /k\n', ['cert_key', 'needs cert']),
    ('ca_cert = /nonexistent/ca.pem\n', ['ca_cert', 'cannot read /nonexistent/ca.pem']),
])
def test_bad_config_names_the_key(lock, text, words):
    with pytest.raises(lock.ConfigError) as err:
        settings(lock, text)
    message = str(err.value)
    assert '\n' not in message
    for word in words:
        assert word in message, message


def test_read_config_missing_file_gives_defaults(lock, tmp_path):
    cfg = lock.read_config(str(tmp_path / 'absent'))
    assert cfg.lock_ttl == 9
    with pytest.raises(lock.ConfigError, match='not found'):
        lock.read_config(str(tmp_path / 'absent'), required=True)


def test_read_config_errors_name_the_file(lock, tmp_path):
    path = tmp_path / 'etcd'
    path.write_text('bogus = 1\n')
    with pytest.raises(lock.ConfigError) as err:
        lock.read_config(str(path))
    assert str(path) in str(err.value) and "'bogus'" in str(err.value)


def test_read_config_unreadable(lock, tmp_path):
    with pytest.raises(lock.ConfigError, match='cannot read'):
        lock.read_config(str(tmp_path))  # a directory
    path = tmp_path / 'latin1'
    path.write_bytes(b'name = caf\xe9\n')
    with pytest.raises(lock.ConfigError, match='cannot read'):
        lock.read_config(str(path))


@pytest.mark.skipif(os.geteuid() == 0, reason='root reads every file')
def test_read_config_permission_denied(lock, tmp_path):
    path = tmp_path / 'etcd'
    path.write_text('')
    path.chmod(0)
    with pytest.raises(lock.ConfigError, match='cannot read'):
        lock.read_config(str(path))


# -- smb.conf and the lock name -------------------------------------------------------

@pytest.mark.parametrize('text, expected', [
    ('[global]\n\tnetbios name = cluster1\n', 'CLUSTER1'),
    ('[global]\nnetbiosname=Cluster1\n', 'CLUSTER1'),
    ('[GLOBAL]\n  NetBIOS Name = cl\n', 'CL'),
    ('netbios name = before-any-section\n', 'BEFORE-ANY-SECTION'),
    ('[global]\n# netbios name = commented\n; netbios name = commented\n', None),
    ('[global]\nworkgroup = W\n[share]\nnetbios name = not-global\n', None),
    ('[global]\nnetbios name = \\\n  continued\n', 'CONTINUED'),
    ('[global]\nnetbios name = "quoted"\n', 'QUOTED'),
    ('[global]\nnetbios name = first\n[x]\n[global]\nnetbios name = second\n', 'SECOND'),
    ('', None),
])
def test_netbios_name_from_smb_conf(lock, text, expected):
    assert lock.parse_smb_conf_netbios_name(text) == expected


def test_lock_name_from_config_wins(lock, tmp_path):
    smb = tmp_path / 'smb.conf'
    smb.write_text('[global]\nnetbios name = fromsmb\n')
    cfg = settings(lock, 'name = explicit\nsmb_conf = %s\n' % smb)
    assert lock.resolve_lock_name(cfg) == 'explicit'


def test_lock_name_from_smb_conf(lock, tmp_path):
    smb = tmp_path / 'smb.conf'
    smb.write_text('[global]\nnetbios name = fromsmb\n')
    cfg = settings(lock, 'smb_conf = %s\n' % smb)
    assert lock.resolve_lock_name(cfg) == 'FROMSMB'
    assert lock.lock_key(cfg, 'FROMSMB') == '/_locks/_ctdb/FROMSMB.lock'


def test_lock_name_default_is_fixed_never_the_hostname(lock, tmp_path):
    smb = tmp_path / 'smb.conf'
    smb.write_text('[global]\nworkgroup = W\n')
    cfg = settings(lock, 'smb_conf = %s\n' % smb)
    assert lock.resolve_lock_name(cfg) == 'ctdb'
    cfg = settings(lock, 'smb_conf = %s\n' % (tmp_path / 'absent'))
    assert lock.resolve_lock_name(cfg) == 'ctdb'


def test_lock_name_unusable_netbios_name(lock, tmp_path):
    smb = tmp_path / 'smb.conf'
    smb.write_text('[global]\nnetbios name = has space\n')
    cfg = settings(lock, 'smb_conf = %s\n' % smb)
    with pytest.raises(lock.ConfigError, match='set "name" in the helper config'):
        lock.resolve_lock_name(cfg)


def test_lock_key_with_nested_locks_dir(lock):
    cfg = settings(lock, 'locks_dir = /site/ctdb/\n')
    assert lock.lock_key(cfg, 'C') == '/_locks/site/ctdb/C.lock'


def test_describe_shows_effective_settings_without_password(lock):
    cfg = settings(lock, 'api = v3\nusername = u\npassword = hunter2\nendpoints = https://a:1, https://b:2\n')
    text = lock.describe(cfg, 'N', '/_locks/_ctdb/N.lock')
    assert 'api = v3' in text
    assert 'endpoints = https://a:1, https://b:2' in text
    assert 'give up after 7 s without a successful refresh' in text
    assert 'hunter2' not in text


@pytest.mark.parametrize('ttl, refresh, margin', [(9, 2, 2), (3, 2, 0.5), (5, 3, 1), (60, 10, 10), (2, 1, 0.5)])
def test_safety_margin_leaves_room_for_refreshes(lock, ttl, refresh, margin):
    assert lock.safety_margin(ttl, refresh) == margin
    # the holder gives up strictly before the TTL and after its next refresh is due
    assert refresh < ttl - margin < ttl


@pytest.mark.parametrize('text, reason', [
    ("Connection to etcd failed due to MaxRetryError(\"HTTPConnectionPool(host='h', port=1): Max retries exceeded "
     "with url: /v2/keys/x (Caused by NewConnectionError('<urllib3.connection.HTTPConnection object at 0x7f>: "
     "Failed to establish a new connection: [Errno 111] Connection refused'))\")", '[Errno 111] Connection refused'),
    ("HTTPConnectionPool(host='h', port=1): Read timed out. (read timeout=1.5)", 'Read timed out'),
    ("Max retries exceeded (Caused by SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] "
     "certificate verify failed: unable to get local issuer certificate (_ssl.c:1006)')))",
     '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate'),
    ('etcdserver: user name is empty', 'etcdserver: user name is empty'),
    ('x' * 300, 'x' * 197 + '...'),
])
def test_short_reason(lock, text, reason):
    assert lock.short_reason(text) == reason


# -- timings that cannot work (issue 10 item 13) ----------------------------------------

@pytest.mark.parametrize('text, words', [
    # one slow refresh on a healthy etcd would lose the lock: 2 - 1.9 - 0.05 < 1.425
    ('lock_ttl = 2\nrefresh = 1.9\n', ['refresh (line 2)', 'leaves no room for one request', 'timeout 1.425 s']),
    ('lock_ttl = 2\nrefresh = 1\n', ['lock_ttl (2 s) - refresh (1 s) - margin (0.5 s) = 0.5 s', 'timeout 0.75 s']),
    ('lock_ttl = 4\nrefresh = 2\ntimeout = 2\n', ['refresh (line 2)', '= 1 s leaves no room', 'timeout 2 s']),
    ('lock_ttl = 9\nrefresh = 4\ntimeout = 3\n', ['2.5 s leaves no room', 'timeout 3 s']),
    ('refresh = 0.001\n', ['refresh', 'too short (minimum 0.5 s)']),
    ('lock_refresh = 0.4\n', ['lock_refresh', 'too short']),
    ('timeout = 0.01\n', ['timeout', 'too short (minimum 0.1 s)']),
])
def test_timings_that_cannot_work_are_refused(lock, text, words):
    with pytest.raises(lock.ConfigError) as err:
        settings(lock, text)
    for word in words:
        assert word in str(err.value), str(err.value)


@pytest.mark.parametrize('ttl, refresh, timeout', [(9, 2, None), (3, 1, None), (2, 0.5, None), (9, 2, 5),
                                                   (60, 10, 10), (5, 1, None)])
def test_timing_rule_accepts_what_works(lock, ttl, refresh, timeout):
    text = 'lock_ttl = %s\nrefresh = %s\n' % (ttl, refresh) + ('timeout = %s\n' % timeout if timeout else '')
    cfg = settings(lock, text)
    # the rule, as docs/etcd_lock.md states it for the role
    assert cfg.lock_ttl - cfg.refresh - lock.safety_margin(cfg.lock_ttl, cfg.refresh) >= cfg.timeout
    assert lock.check_timing(cfg.lock_ttl, cfg.refresh, cfg.timeout) is None


# -- secrets never echoed (issue 10 item 16) ---------------------------------------------

@pytest.mark.parametrize('text', [
    # a password with a newline, as a template writes it unescaped
    'username = u\npassword = "first half\nsecond-half-of-the-secret"\n',
    'username = u\npassword = "abc\nsecond=half-of-the-secret"\n',
    'username = u\npassword = "abc\nsecond_half_of_it = x"\n',
    "username = u\npassword = 'abc\nsecond_half_of_it = x'\n",
])
def test_broken_password_is_never_quoted_in_the_error(lock, text):
    with pytest.raises(lock.ConfigError) as err:
        settings(lock, text)
    message = str(err.value)
    assert message == 'line 2: password: the opening quote is not closed on this line'
    for piece in ('second', 'secret', 'half'):
        assert piece not in message, message


# -- credentials over plain http (issue 10 item 17) -------------------------------------

def test_password_over_plain_http_is_refused(lock):
    with pytest.raises(lock.ConfigError) as err:
        settings(lock, 'endpoints = https://10.0.0.1:2379, http://10.0.0.2:2379\nusername = u\npassword = pw\n')
    message = str(err.value)
    assert 'username (line 2)' in message and 'unencrypted to http://10.0.0.2:2379' in message
    assert 'allow_insecure_auth = true' in message and 'pw' not in message.replace('https', '')
    # Samba-style host/protocol keys too
    with pytest.raises(lock.ConfigError, match='unencrypted'):
        settings(lock, 'host = etcd.example\nusername = u\npassword = pw\n')


@pytest.mark.parametrize('text', [
    'endpoints = https://10.0.0.1:2379\nusername = u\npassword = pw\n',
    'endpoints = http://127.0.0.5:2379, http://[::1]:2379, http://localhost:2379\nusername = u\npassword = pw\n',
    'endpoints = http://10.0.0.1:2379\nusername = u\npassword = pw\nallow_insecure_auth = true\n',
    'endpoints = http://10.0.0.1:2379\n',
])
def test_password_allowed_over_tls_loopback_or_explicitly(lock, text):
    cfg = settings(lock, text)
    warning = lock.insecure_auth_warning(cfg)
    assert (warning is not None) == ('allow_insecure_auth' in text), warning


def test_a_line_without_equals_is_not_quoted(lock):
    with pytest.raises(lock.ConfigError) as err:
        settings(lock, 'username = u\npassword = p\nhunter2 hunter2\n')
    assert 'line 3' in str(err.value) and 'hunter2' not in str(err.value)
