# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ctdb.conf parser, checker and editor, on the real sample files and against the real ctdb-config."""

import os
import re
import subprocess

import pytest

from ansible_collections.ctdb.cluster.plugins.module_utils import _conf as conf
from ctdbtest import reference

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
SAMPLES = os.path.join(REPO, 'tests', 'fixtures', 'ctdb-samples')
CONF_SAMPLES = os.path.join(SAMPLES, 'config_samples', 'ctdb.conf')
LEGACY_SAMPLE = os.path.join(SAMPLES, 'config_samples', 'ctdbd.conf_legacy',
                             'samba.doc.examples.config_migrate.test_input', 'config_migrate.test_input')
GETRECLOCK = os.path.join(SAMPLES, 'getreclock')
CTDB_CONFIG = '/usr/libexec/ctdb/ctdb-config'
needs_ctdb_config = pytest.mark.skipif(not os.access(CTDB_CONFIG, os.X_OK),
                                       reason='ctdb-config (Debian package ctdb) is not installed')
V417, V415 = (4, 17), (4, 15)


def read(path):
    with open(path, newline='') as handle:
        return handle.read()


def sample(name):
    return read(os.path.join(CONF_SAMPLES, name, 'ctdb.conf'))


SAMPLE_NAMES = sorted(os.listdir(CONF_SAMPLES))

# What ctdbd reads from each sample (read from the files by hand; cross-checked with ctdb-config below).
SAMPLE_TRUTH = {
    'samba.config.ctdb.conf': {'logging': {}, 'cluster': {}},
    'samba.doc.examples.ctdb.conf': {
        'logging': {'location': 'syslog', 'log level': 'NOTICE'},
        'cluster': {'cluster lock': '/shared/cluster.lock'},
    },
    'samba.tests.eventd.ctdb.conf': {
        'logging': {'location': 'file:', 'log level': 'DEBUG'},
        'event': {'debug script': 'debug-script.sh'},
    },
}

DEBIAN_DEFAULT = sample('samba.config.ctdb.conf')


def ctdb_config(tmp_path, text, *args):
    """Run the real ctdb-config on ``text`` as $CTDB_BASE/ctdb.conf in test mode."""
    base = tmp_path / 'base'
    base.mkdir(exist_ok=True)
    (base / 'ctdb.conf').write_bytes(text.encode('utf-8'))
    for script in re.findall(r'debug script = (\S+)', text):
        (base / script).write_text('#!/bin/sh\n')
        (base / script).chmod(0o755)
    env = dict(os.environ, CTDB_BASE=str(base), CTDB_TEST_MODE='yes', LC_ALL='C')
    return subprocess.run([CTDB_CONFIG] + list(args), env=env, capture_output=True, text=True, check=False)


# ----------------------------------------------------------------- samples
def test_every_sample_has_a_truth():
    assert sorted(SAMPLE_TRUTH) == SAMPLE_NAMES


@pytest.mark.parametrize('name', SAMPLE_NAMES)
def test_sample_round_trips_byte_for_byte(name):
    text = sample(name)
    entries = conf.parse(text)
    assert conf.render(entries) == text
    assert len(entries) == text.count('\n') + (0 if text.endswith('\n') else 1)


@pytest.mark.parametrize('name', SAMPLE_NAMES)
def test_sample_parsed_view_matches_truth(name):
    result = conf.read(sample(name))
    assert result['parsed'] == SAMPLE_TRUTH[name]
    assert result['unparsable'] == []
    assert result['raw'] == sample(name)


@pytest.mark.parametrize('name', SAMPLE_NAMES)
def test_sample_passes_our_checks(name):
    assert conf.check_content(sample(name), V417) == []


@needs_ctdb_config
@pytest.mark.parametrize('name', SAMPLE_NAMES)
def test_sample_parsed_view_matches_real_ctdb_config(tmp_path, name):
    text = sample(name)
    assert ctdb_config(tmp_path, text, 'validate').returncode == 0
    for section, options in SAMPLE_TRUTH[name].items():
        for key, value in options.items():
            result = ctdb_config(tmp_path, text, 'get', section, key)
            assert result.returncode == 0, result.stderr
            assert result.stdout.rstrip('\n') == value


def test_sample_entry_kinds_of_debian_default():
    kinds = [entry.kind for entry in conf.parse(DEBIAN_DEFAULT)]
    assert kinds.count('section') == 2
    assert kinds.count('option') == 0
    assert kinds.count('blank') == 3
    assert kinds.count('comment') == len(kinds) - 5
    cluster = [e for e in conf.parse(DEBIAN_DEFAULT) if e.kind == 'section'][1]
    assert (cluster.name, cluster.lineno) == ('cluster', 13)


def test_sample_doc_example_lines_and_sections():
    entries = conf.parse(sample('samba.doc.examples.ctdb.conf'))
    options = [(e.lineno, e.section, e.key, e.value, e.indent()) for e in entries if e.kind == 'option']
    assert options == [
        (44, 'logging', 'location', 'syslog', '\t'),
        (47, 'logging', 'log level', 'NOTICE', '\t'),
        (50, 'cluster', 'cluster lock', '/shared/cluster.lock', '\t'),
    ]


def test_legacy_shell_style_file_is_refused():
    text = read(LEGACY_SAMPLE)
    parsed = conf.read(text)
    assert parsed['parsed'] == {}
    assert parsed['unparsable'][0] == 'CTDB_BASE="/etc/ctdb"'
    with pytest.raises(conf.ConfError) as err:
        conf.check_content(text, V417)
    assert str(err.value) == 'content line 1: option "CTDB_BASE" is outside any section; put it under a [section]'


# ----------------------------------------------------------------- tini emulation, checked against ctdb-config
TINI_CASES = [
    ('squeezed key', '[cluster]\n\tcluster   lock = /x\n', 'cluster', 'cluster lock', '/x'),
    ('squeezed value', '[cluster]\n\tcluster lock =    /x  y   \n', 'cluster', 'cluster lock', '/x y'),
    ('inline hash is value', '[cluster]\n\tcluster lock = /x # c\n', 'cluster', 'cluster lock', '/x # c'),
    ('last wins', '[cluster]\n\tcluster lock = /x\n\tcluster lock = /y\n', 'cluster', 'cluster lock', '/y'),
    ('section reopened', '[cluster]\ncluster lock = /x\n[logging]\n[cluster]\ncluster lock = /y\n',
     'cluster', 'cluster lock', '/y'),
    ('section case', '[Cluster]\n\tcluster lock = /x\n', 'cluster', 'cluster lock', '/x'),
    ('no spaces', '[cluster]\ncluster lock=/x\n', 'cluster', 'cluster lock', '/x'),
    ('continuation', '[cluster]\n\tcluster lock = /x\\\n  continued\n', 'cluster', 'cluster lock', '/x continued'),
    ('continuation after blank', '[cluster]\n\tcluster lock = /x \\ \n  y\n', 'cluster', 'cluster lock', '/x y'),
    ('crlf', '[logging]\r\n\tlog level = DEBUG\r\n', 'logging', 'log level', 'DEBUG'),
    ('semicolon comment', '; c\n[logging]\n  ; log level = INFO\n\tlog level = DEBUG\n', 'logging', 'log level',
     'DEBUG'),
    ('text after bracket', '[logging] trailing\n\tlog level = INFO\n', 'logging', 'log level', 'INFO'),
    ('no final newline', '[logging]\n\tlog level = INFO', 'logging', 'log level', 'INFO'),
    ('equals in value', '[cluster]\n\tcluster lock = !/bin/helper a=b\n', 'cluster', 'cluster lock', '!/bin/helper a=b'),
]


@pytest.mark.parametrize('label,text,section,key,value', TINI_CASES, ids=[c[0] for c in TINI_CASES])
def test_parser_reads_like_ctdb(label, text, section, key, value):
    parsed = conf.read(text)['parsed']
    assert parsed[section][key] == value
    assert conf.render(conf.parse(text)) == text


@needs_ctdb_config
@pytest.mark.parametrize('label,text,section,key,value', TINI_CASES, ids=[c[0] for c in TINI_CASES])
def test_parser_agrees_with_real_ctdb_config(tmp_path, label, text, section, key, value):
    result = ctdb_config(tmp_path, text, 'get', section, key)
    assert result.returncode == 0, result.stderr
    assert result.stdout.rstrip('\n') == conf.read(text)['parsed'][section][key]


INVALID_LINES = [
    ('[cluster\n\tnode address = 127.0.0.3\n', 1, 'section header without a closing "]" (ctdbd stops reading the file there)',
     ['[cluster', '\tnode address = 127.0.0.3'], {}),
    ('[cluster]\n\tnode address\n', 2, 'not "key = value", a [section] or a whole-line comment (ctdbd silently ignores it)',
     ['\tnode address'], {'cluster': {}}),
    ('[cluster]\n = 5\n[logging]\n\tlog level = INFO\n', 2, 'option without a key (ctdbd stops reading the file there)',
     [' = 5', '[logging]', '\tlog level = INFO'], {'cluster': {}}),
    ('[cluster]\n\tnode address = 10.0.0.1\n[database\n\tleader timeout = x\n', 3,
     'section header without a closing "]" (ctdbd stops reading the file there)',
     ['[database', '\tleader timeout = x'], {'cluster': {'node address': '10.0.0.1'}}),
]


@pytest.mark.parametrize('text,lineno,reason,unparsable,parsed', INVALID_LINES)
def test_lines_ctdb_ignores_are_invalid(text, lineno, reason, unparsable, parsed):
    invalid = [e for e in conf.parse(text) if e.kind == 'invalid']
    assert [(e.lineno, e.reason) for e in invalid] == [(lineno, reason)]
    assert conf.read(text)['unparsable'] == unparsable
    assert conf.read(text)['parsed'] == parsed


@needs_ctdb_config
def test_unterminated_section_really_hides_the_rest_from_ctdb(tmp_path):
    # The reason the parser refuses it: ctdb-config accepts the file and ignores the bad value after it.
    text = '[cluster]\n\tnode address = 127.0.0.3\n[database\n\tleader timeout = x\n'
    assert ctdb_config(tmp_path, text, 'validate').returncode == 0
    with pytest.raises(conf.ConfError):
        conf.check_content(text, V417)


def test_line_numbers_count_continuations_and_crlf():
    text = '[cluster]\r\n\tcluster lock = /a \\\n b\n\n# c\n\tnode address = 10.0.0.1\n'
    options = [(e.lineno, e.key) for e in conf.parse(text) if e.kind == 'option']
    assert options == [(2, 'cluster lock'), (6, 'node address')]


# ----------------------------------------------------------------- known keys
def dump_keys(text):
    """{section: {key: default}} from ``ctdb-config dump`` output."""
    keys, section = {}, None
    for line in text.splitlines():
        header = re.match(r'^\[(.*)\]$', line)
        if header:
            section = header.group(1)
            keys[section] = {}
            continue
        option = re.match(r'^\t(?:# )?([^=]+?) = ?(.*)$', line)
        if option:
            keys[section][option.group(1)] = option.group(2)
    return keys


@needs_ctdb_config
def test_known_options_match_installed_ctdb_config_dump(tmp_path):
    version = subprocess.run(['ctdb', 'version'], capture_output=True, text=True, check=False).stdout
    installed = tuple(int(p) for p in re.match(r'(\d+)\.(\d+)', version).groups())
    result = ctdb_config(tmp_path, '', 'dump')
    assert result.returncode == 0
    dumped = dump_keys(result.stdout)
    known = reference.known_options(installed)
    assert list(dumped) == list(conf.SECTIONS)
    assert dict((s, sorted(k)) for s, k in dumped.items()) == dict((s, sorted(k)) for s, k in known.items())
    for section, options in dumped.items():
        for key, default in options.items():
            ours = known[section][key]['default']
            if isinstance(ours, bool):
                ours = 'true' if ours else 'false'
            assert ('' if ours is None else str(ours)) == default, (section, key)


def test_known_options_follow_the_renames():
    new, old = reference.known_options(V417), reference.known_options(V415)
    assert 'cluster lock' in new['cluster'] and 'cluster lock' not in old['cluster']
    assert 'recovery lock' in new['cluster'] and 'recovery lock' in old['cluster']
    assert 'recmaster capability' in old['legacy'] and 'recmaster capability' not in new['legacy']
    assert 'leader capability' in new['cluster'] and 'leader capability' not in old['cluster']
    assert 'nodes list' in reference.known_options((4, 22))['cluster'] and 'nodes list' not in new['cluster']
    assert 'nodes list' in reference.known_options()['cluster']
    assert conf.lock_key(V417) == 'cluster lock'
    assert conf.lock_key(V415) == 'recovery lock'
    assert conf.lock_key(None) == 'cluster lock'


# ----------------------------------------------------------------- values
VALID = [
    ('cluster', 'leader capability', True, 'true'),
    ('cluster', 'leader capability', 'YES', 'YES'),
    ('cluster', 'leader timeout', 10, '10'),
    ('cluster', 'leader timeout', '7', '7'),
    ('logging', 'log level', 'notice', 'notice'),
    ('logging', 'log level', 3, '3'),
    ('logging', 'location', 'syslog:udp-rfc5424', 'syslog:udp-rfc5424'),
    ('logging', 'location', 'file:/var/log/ctdb/log.ctdb', 'file:/var/log/ctdb/log.ctdb'),
    ('cluster', 'node address', 'fd00::1', 'fd00::1'),
    ('cluster', 'transport', 'tcp', 'tcp'),
    ('cluster', 'cluster lock', '!/usr/libexec/ctdb/ctdb_mutex_fcntl_helper  /l', '!/usr/libexec/ctdb/ctdb_mutex_fcntl_helper /l'),
]


@pytest.mark.parametrize('section,key,value,text', VALID)
def test_render_value(section, key, value, text):
    spec = conf.lookup_option(section, key, 'settings')
    assert conf.render_value(spec, value, 'settings') == text


@needs_ctdb_config
@pytest.mark.parametrize('section,key,value,text', VALID)
def test_rendered_values_are_accepted_by_ctdb_config(tmp_path, section, key, value, text):
    result = ctdb_config(tmp_path, '[%s]\n\t%s = %s\n' % (section, key, text), 'validate')
    assert result.returncode == 0, result.stderr


SAME = [
    ('cluster', 'leader capability', 'yes', True),
    ('cluster', 'leader capability', 'False', 'no'),
    ('logging', 'log level', 'NOTICE', 'notice'),
    ('logging', 'log level', '3', 'NOTICE'),
    ('cluster', 'leader timeout', '05', 5),
    ('cluster', 'cluster lock', '!/h  a', '!/h a'),
    ('cluster', 'node address', '::1', '0::1'),
]


@pytest.mark.parametrize('section,key,old,new', SAME)
def test_same_value_as_ctdbd_reads_it(section, key, old, new):
    assert conf.same_value(conf.lookup_option(section, key, 'x'), old, new)


def test_different_values_are_different():
    spec = conf.lookup_option('cluster', 'cluster lock', 'x')
    assert not conf.same_value(spec, '/a', '/b')
    assert not conf.same_value(conf.lookup_option('logging', 'log level', 'x'), 'NOTICE', 'INFO')


# ----------------------------------------------------------------- editing
LOCK = '!/usr/libexec/ctdb/ctdb_mutex_fcntl_helper /var/lib/ctdb/cluster.lock'


def test_set_lock_in_debian_default_goes_after_the_commented_example():
    text, warnings, notes = conf.apply_settings(DEBIAN_DEFAULT, [('cluster', 'cluster lock', LOCK)], V417)
    expected = DEBIAN_DEFAULT.replace('\t# cluster lock = !/bin/false CLUSTER LOCK NOT CONFIGURED\n',
                                      '\t# cluster lock = !/bin/false CLUSTER LOCK NOT CONFIGURED\n'
                                      '\tcluster lock = %s\n' % LOCK)
    assert text == expected
    assert warnings == []
    assert notes == ['added [cluster] "cluster lock" = %s' % LOCK]
    again = conf.apply_settings(text, [('cluster', 'cluster lock', LOCK)], V417)
    assert again == (text, [], [])


def test_set_existing_value_keeps_indentation_and_spacing():
    text = sample('samba.doc.examples.ctdb.conf')
    new, dummy, notes = conf.apply_settings(text, [('cluster', 'cluster lock', '/shared/other.lock'),
                                                   ('logging', 'log level', 'INFO')], V417)
    assert new == text.replace('\tcluster lock = /shared/cluster.lock\n', '\tcluster lock = /shared/other.lock\n') \
        .replace('\tlog level = NOTICE\n', '\tlog level = INFO\n')
    assert notes == ['set [cluster] "cluster lock" = /shared/other.lock (line 50)', 'set [logging] "log level" = INFO (line 47)']
    assert conf.apply_settings('[cluster]\n  cluster lock=/a\n', [('cluster', 'cluster lock', '/b')], V417)[0] == \
        '[cluster]\n  cluster lock=/b\n'


def test_equivalent_value_is_no_change():
    text = '[cluster]\n\tleader capability = yes\n\tcluster lock = /a   b\n[logging]\n\tlog level = 3\n'
    changes = [('cluster', 'leader capability', True), ('cluster', 'cluster lock', '/a b'), ('logging', 'log level', 'notice')]
    assert conf.apply_settings(text, changes, V417) == (text, [], [])


def test_new_sections_are_appended_in_the_files_style():
    new, dummy, notes = conf.apply_settings(DEBIAN_DEFAULT, [('legacy', 'start as disabled', True),
                                                             ('legacy', 'realtime scheduling', False)], V417)
    assert new == DEBIAN_DEFAULT + '\n[legacy]\n\tstart as disabled = true\n\trealtime scheduling = false\n'
    assert notes == ['added [legacy] "start as disabled" = true in a new section',
                     'added [legacy] "realtime scheduling" = false']
    compact = '[logging]\n    location = syslog\n[cluster]\n    node address = 10.0.0.1'
    new, dummy, dummy = conf.apply_settings(compact, [('database', 'tdb mutexes', 'no'),
                                                      ('cluster', 'transport', 'tcp')], V417)
    assert new == ('[logging]\n    location = syslog\n[cluster]\n    node address = 10.0.0.1\n    transport = tcp\n'
                   '[database]\n    tdb mutexes = no\n')


def test_empty_or_missing_file_gets_tab_indented_sections():
    assert conf.apply_settings('', [('cluster', 'cluster lock', '/l')], V417)[0] == '[cluster]\n\tcluster lock = /l\n'
    assert conf.apply_settings(None, [('cluster', 'cluster lock', '/l')], V417)[0] == '[cluster]\n\tcluster lock = /l\n'


def test_crlf_file_stays_crlf():
    text = '[cluster]\r\n\tnode address = 10.0.0.1\r\n'
    new = conf.apply_settings(text, [('cluster', 'cluster lock', '/l'), ('cluster', 'node address', '10.0.0.2')], V417)[0]
    assert new == '[cluster]\r\n\tnode address = 10.0.0.2\r\n\tcluster lock = /l\r\n'


def test_remove_option_leaves_everything_else():
    text = sample('samba.doc.examples.ctdb.conf')
    new, dummy, notes = conf.apply_settings(text, [('cluster', 'cluster lock', None)], V417)
    assert new == text.replace('\tcluster lock = /shared/cluster.lock\n', '')
    assert notes == ['removed [cluster] "cluster lock" (line 50)']
    assert conf.apply_settings(new, [('cluster', 'cluster lock', None)], V417) == (new, [], [])


def test_remove_lock_removes_both_names():
    text = '[cluster]\n\trecovery lock = /old\n\tcluster lock = /new\n'
    assert conf.apply_settings(text, [('cluster', 'cluster lock', None)], V417)[0] == '[cluster]\n'


def test_duplicates_collapse_to_the_last_line_when_changed():
    text = '[cluster]\n\tcluster lock = /a\n\tnode address = 10.0.0.1\n\tcluster lock = /b\n'
    assert conf.apply_settings(text, [('cluster', 'cluster lock', '/b')], V417) == (text, [], [])
    new, dummy, notes = conf.apply_settings(text, [('cluster', 'cluster lock', '/c')], V417)
    assert new == '[cluster]\n\tnode address = 10.0.0.1\n\tcluster lock = /c\n'
    assert notes == ['set [cluster] "cluster lock" = /c (line 4)',
                     'removed [cluster] "cluster lock" (line 2): [cluster] "cluster lock" is set on line 4']


def test_deprecated_recovery_lock_is_renamed_in_place_on_416_and_later():
    text = '[cluster]\n\t# the lock\n\trecovery lock = /old\n\tnode address = 10.0.0.1\n'
    new, warnings, notes = conf.apply_settings(text, [('cluster', 'cluster lock', '/new')], V417)
    assert new == '[cluster]\n\t# the lock\n\tcluster lock = /new\n\tnode address = 10.0.0.1\n'
    assert notes == ['renamed [cluster] "recovery lock" to "cluster lock" (line 3)',
                     'set [cluster] "cluster lock" = /new (line 3)']
    assert warnings == []
    new2, warnings, dummy = conf.apply_settings(text, [('cluster', 'recovery lock', '/new')], V417)
    assert new2 == new
    assert warnings == ['settings: [cluster] "recovery lock" is deprecated since Samba 4.16; '
                        'writing [cluster] "cluster lock" instead']


def test_untouched_deprecated_key_warns_with_its_line():
    text = '[cluster]\n\trecovery lock = /old\n'
    new, warnings, notes = conf.apply_settings(text, [('logging', 'log level', 'NOTICE')], V417)
    assert notes == ['added [logging] "log level" = NOTICE in a new section']
    assert warnings == ['ctdb.conf line 2: [cluster] "recovery lock" is deprecated since Samba 4.16: use [cluster] "cluster lock"']


def test_cluster_lock_is_written_as_recovery_lock_before_416():
    text = '[cluster]\n\tcluster lock = /a\n'
    new, warnings, notes = conf.apply_settings(text, [('cluster', 'cluster lock', '/b')], V415)
    assert new == '[cluster]\n\trecovery lock = /b\n'
    assert warnings == []
    assert conf.apply_settings('', [('cluster', 'leader capability', False)], V415)[0] == \
        '[legacy]\n\trecmaster capability = false\n'
    assert conf.apply_settings('', [('legacy', 'recmaster capability', False)], V417)[0:2] == (
        '[cluster]\n\tleader capability = false\n',
        ['settings: [legacy] "recmaster capability" was replaced in Samba 4.16; '
         'writing [cluster] "leader capability" instead'])


def test_content_with_recovery_lock_warns_on_416():
    assert conf.check_content('[cluster]\n\trecovery lock = /x\n', V417) == [
        'content line 2: [cluster] "recovery lock" is deprecated since Samba 4.16: use [cluster] "cluster lock"']
    assert conf.check_content('[cluster]\n\trecovery lock = /x\n', V415) == []


# The REST API's documented GET /db/ctdb/conf answer (its "raw"): 4-space indents, the old lock name.
API_RAW = ("# See ctdb.conf(5) for documentation\n#\n# See ctdb-script.options(5) for documentation about event script\n"
           "# options\n[logging]\n    # Enable logging to syslog\n    # location = syslog\n    # Default log level\n"
           "    # log level = NOTICE\n[cluster]\n    # Shared recovery lock file to avoid split brain.  Daemon\n"
           "    # default is no recovery lock.  Do NOT run CTDB without a\n    # recovery lock file unless you know "
           "exactly what you are\n    # doing.\n    #\n    # Please see the RECOVERY LOCK section in ctdb(7) for more\n"
           "    # details.\n    #\n    recovery lock = /lfsmnt/mother/.ctdb/recovery_lock\n")


def test_rest_api_sample_reads_and_is_renamed_in_place():
    result = conf.read(API_RAW)
    assert result['parsed'] == {'logging': {}, 'cluster': {'recovery lock': '/lfsmnt/mother/.ctdb/recovery_lock'}}
    assert result['cluster_lock'] == '/lfsmnt/mother/.ctdb/recovery_lock'
    new, warnings, dummy = conf.apply_settings(API_RAW, [('cluster', 'cluster lock', '/lfsmnt/robin/.ctdb/recovery_lock')],
                                               V417)
    assert new == API_RAW.replace('    recovery lock = /lfsmnt/mother/', '    cluster lock = /lfsmnt/robin/')
    assert warnings == []
    # Before 4.16 the same request keeps the old name and only changes the value.
    old = conf.apply_settings(API_RAW, [('cluster', 'cluster lock', '/lfsmnt/robin/.ctdb/recovery_lock')], V415)[0]
    assert old == API_RAW.replace('/lfsmnt/mother/', '/lfsmnt/robin/')
    assert conf.check_content(API_RAW, V417) == [
        'content line 19: [cluster] "recovery lock" is deprecated since Samba 4.16: use [cluster] "cluster lock"']


def test_continued_option_is_rewritten_on_one_line():
    text = '[cluster]\n\tcluster lock = !/helper \\\n\t\targ\n\tnode address = 10.0.0.1\n'
    assert conf.read(text)['parsed']['cluster']['cluster lock'] == '!/helper arg'
    assert conf.apply_settings(text, [('cluster', 'cluster lock', '!/helper arg')], V417) == (text, [], [])
    new = conf.apply_settings(text, [('cluster', 'cluster lock', '!/helper other')], V417)[0]
    assert new == '[cluster]\n\tcluster lock = !/helper other\n\tnode address = 10.0.0.1\n'


def test_insert_after_a_last_line_without_newline():
    text = '[cluster]\n\tnode address = 10.0.0.1'
    assert conf.apply_settings(text, [('cluster', 'transport', 'tcp')], V417)[0] == \
        '[cluster]\n\tnode address = 10.0.0.1\n\ttransport = tcp\n'
    assert conf.apply_settings(text, [('cluster', 'node address', '10.0.0.2')], V417)[0] == \
        '[cluster]\n\tnode address = 10.0.0.2'


@needs_ctdb_config
def test_edited_debian_default_is_accepted_by_ctdb_config(tmp_path):
    text = conf.apply_settings(DEBIAN_DEFAULT, [('cluster', 'cluster lock', LOCK), ('logging', 'log level', 'INFO'),
                                                ('legacy', 'start as disabled', True)], V417)[0]
    assert ctdb_config(tmp_path, text, 'validate').returncode == 0
    assert ctdb_config(tmp_path, text, 'get', 'cluster', 'cluster lock').stdout.strip() == LOCK
    assert ctdb_config(tmp_path, text, 'get', 'legacy', 'start as disabled').stdout.strip() == 'true'


# ----------------------------------------------------------------- bad input: exact messages
BAD_SETTINGS = [
    ('unknown section', [('clustr', 'cluster lock', '/x')], 'settings: unknown section [clustr]; did you mean [cluster]?'),
    ('unknown section no guess', [('zzz', 'a', '/x')], 'settings: unknown section [zzz]; known sections are '
     '[logging], [cluster], [database], [event], [failover], [legacy]'),
    ('typo key', [('cluster', 'clustr lock', '/x')],
     'settings: unknown option "clustr lock" in section [cluster]; did you mean "cluster lock"?'),
    ('key case', [('cluster', 'Cluster Lock', '/x')],
     'settings: unknown option "Cluster Lock" in section [cluster]; did you mean "cluster lock"?'),
    ('underscores', [('cluster', 'cluster_lock', '/x')],
     'settings: unknown option "cluster_lock" in section [cluster]; did you mean "cluster lock"?'),
    ('wrong section', [('logging', 'cluster lock', '/x')],
     'settings: option "cluster lock" belongs in section [cluster], not [logging]'),
    ('bad bool', [('cluster', 'leader capability', 'maybe')],
     'settings: invalid value "maybe" for [cluster] "leader capability": expected a boolean: true, false, yes or no'),
    ('bad int', [('cluster', 'leader timeout', '5x')],
     'settings: invalid value "5x" for [cluster] "leader timeout": expected a whole number from 1 to 2147483647'),
    ('zero int', [('cluster', 'leader timeout', 0)],
     'settings: invalid value "0" for [cluster] "leader timeout": expected a whole number from 1 to 2147483647'),
    ('bool for int', [('cluster', 'leader timeout', True)],
     'settings: invalid value "true" for [cluster] "leader timeout": expected a whole number from 1 to 2147483647'),
    ('bad log level', [('logging', 'log level', 'LOUD')],
     'settings: invalid value "LOUD" for [logging] "log level": expected a log level: ERROR, WARNING, NOTICE, INFO, '
     'DEBUG, or a number from 0 to 10'),
    ('bad location', [('logging', 'location', 'nowhere')],
     'settings: invalid value "nowhere" for [logging] "location": expected file:FILENAME, syslog, or syslog:METHOD '
     'with METHOD one of nonblocking, udp, udp-rfc5424'),
    ('address with port', [('cluster', 'node address', '10.0.0.1:4379')],
     'settings: invalid value "10.0.0.1:4379" for [cluster] "node address": expected an IPv4 or IPv6 address without a port'),
    ('bad transport', [('cluster', 'transport', 'udp')],
     'settings: invalid value "udp" for [cluster] "transport": expected one of tcp, ib'),
    ('empty lock', [('cluster', 'cluster lock', '  ')],
     'settings: invalid value "  " for [cluster] "cluster lock": expected a non-empty single-line string without NUL, not ending in a backslash'),
    ('newline in lock', [('cluster', 'cluster lock', '/a\n[x]')],
     'settings: invalid value "/a\n[x]" for [cluster] "cluster lock": expected a non-empty single-line string without NUL, not ending in a backslash'),
    ('trailing backslash', [('cluster', 'cluster lock', '/a\\')],
     'settings: invalid value "/a\\" for [cluster] "cluster lock": expected a non-empty single-line string without NUL, not ending '
     'in a backslash'),
    ('carriage return', [('cluster', 'cluster lock', '/a\rb')],
     'settings: invalid value "/a\rb" for [cluster] "cluster lock": expected a non-empty single-line string without NUL, not ending '
     'in a backslash'),
    ('too new', [('cluster', 'nodes list', '/etc/ctdb/nodes')],
     'settings: [cluster] "nodes list" needs Samba 4.22 or later, and ctdb here is 4.17'),
    ('list value', [('cluster', 'cluster lock', ['/a'])],
     'settings: invalid value "[\'/a\']" for [cluster] "cluster lock": expected a non-empty single-line string without NUL, not ending in a backslash'),
]


@pytest.mark.parametrize('label,changes,message', BAD_SETTINGS, ids=[c[0] for c in BAD_SETTINGS])
def test_bad_settings_fail_with_exact_message(label, changes, message):
    with pytest.raises(conf.ConfError) as err:
        conf.apply_settings(DEBIAN_DEFAULT, changes, V417)
    assert str(err.value) == message


BAD_CONTENT = [
    ('unknown section', '[clustr]\n\tcluster lock = /x\n', 'content line 1: unknown section [clustr]; did you mean [cluster]?'),
    ('spaces in brackets', '[ cluster ]\n', 'content line 1: unknown section [ cluster ]; did you mean [cluster]?'),
    ('typo key', '[cluster]\n\n\tclustr lock = /x\n',
     'content line 3: unknown option "clustr lock" in section [cluster]; did you mean "cluster lock"?'),
    ('outside section', 'cluster lock = /x\n', 'content line 1: option "cluster lock" is outside any section; put it under [cluster]'),
    ('unterminated', '[cluster\n', 'content line 1: [cluster: section header without a closing "]" (ctdbd stops reading '
     'the file there)'),
    ('no equals', '[cluster]\n\tcluster lock /x\n', 'content line 2: cluster lock /x: not "key = value", a [section] or a '
     'whole-line comment (ctdbd silently ignores it)'),
    ('bad value', '[legacy]\n\tstart as stopped = on\n',
     'content line 2: invalid value "on" for [legacy] "start as stopped": expected a boolean: true, false, yes or no'),
    ('cluster lock too new', '[cluster]\n\tcluster lock = /x\n',
     'content line 2: [cluster] "cluster lock" needs Samba 4.16 or later, and ctdb here is 4.15; use [cluster] "recovery lock"'),
]


@pytest.mark.parametrize('label,content,message', BAD_CONTENT, ids=[c[0] for c in BAD_CONTENT])
def test_bad_content_fails_with_exact_message(label, content, message):
    with pytest.raises(conf.ConfError) as err:
        conf.check_content(content, V415 if 'too new' in label else V417)
    assert str(err.value) == message


def test_settings_refuse_to_edit_a_file_with_an_unreadable_line():
    with pytest.raises(conf.ConfError) as err:
        conf.apply_settings('[cluster]\n\tnode address = 10.0.0.1\n[database\n', [('cluster', 'transport', 'tcp')], V417,
                            path='/etc/ctdb/ctdb.conf')
    assert str(err.value) == ('/etc/ctdb/ctdb.conf line 3: [database: section header without a closing "]" (ctdbd stops '
                              'reading the file there); fix the file (or replace it with content)')


def test_settings_refuse_a_file_with_an_unknown_key_naming_its_line():
    with pytest.raises(conf.ConfError) as err:
        conf.apply_settings('[cluster]\n\trecovery lok = /x\n', [('logging', 'log level', 'INFO')], V417,
                            path='/etc/ctdb/ctdb.conf')
    assert str(err.value) == ('/etc/ctdb/ctdb.conf line 2: unknown option "recovery lok" in section [cluster]; '
                              'did you mean "recovery lock"?')


def test_normalize_settings():
    assert conf.normalize_settings({'cluster': {'cluster lock': '/x', 'leader timeout': 5}, 'legacy': {}}) == [
        ('cluster', 'cluster lock', '/x'), ('cluster', 'leader timeout', 5)]
    with pytest.raises(conf.ConfError) as err:
        conf.normalize_settings({'cluster': '/x'})
    assert str(err.value) == "settings: section [cluster] must map option names to values, not '/x'"


# ----------------------------------------------------------------- ctdb getreclock
# Truth: 001's fake cluster has no RECLOCK section in state.txt; 002's test script sets
# reclock=/some/place/on/shared/storage (ctdb.getreclock.002.sh); the doc cases are the manual's examples.
GETRECLOCK_TRUTH = {
    'ctdb.getreclock.001_1_text': None,
    'ctdb.getreclock.002_1_text': '/some/place/on/shared/storage',
    'doc.ctdb.1.xml.screen18@6315432f87fp': '/gpfs/.ctdb/shared',
    'doc.ctdb.1.xml.screen23@HEAD': '/clusterfs/.ctdb/recovery.lock',
}


def test_every_getreclock_case_has_a_truth():
    assert sorted(GETRECLOCK_TRUTH) == sorted(os.listdir(GETRECLOCK))
    assert 'RECLOCK' not in read(os.path.join(GETRECLOCK, 'ctdb.getreclock.001_1_text', 'state.txt'))
    assert 'RECLOCK\n${reclock}' in read(os.path.join(GETRECLOCK, 'ctdb.getreclock.002_1_text', 'state.txt'))


@pytest.mark.parametrize('case', sorted(GETRECLOCK_TRUTH))
def test_parse_getreclock(case):
    output = read(os.path.join(GETRECLOCK, case, 'output.txt'))
    assert reference.parse_getreclock(output) == GETRECLOCK_TRUTH[case]


def test_effective_lock():
    assert conf.effective_lock({'cluster': {'recovery lock': '/r'}}) == '/r'
    assert conf.effective_lock({'cluster': {'recovery lock': '/r', 'cluster lock': '/c'}}) == '/c'
    assert conf.effective_lock({}) is None


# --------------------------------------------------------------------------- releases after 4.17 (issue 10.11)
# Read from Samba's sources: [failover] "shutdown failover timeout" and "shutdown extra timeout" are defined by
# ctdb/conf/failover_conf.c from samba-4.23.0, and were backported to samba-4.21.6 and samba-4.22.2.
SHUTDOWN = [('failover', 'shutdown failover timeout', 5), ('failover', 'shutdown extra timeout', 0)]


@pytest.mark.parametrize('version, available', [
    ((4, 17, 12), False), ((4, 21, 5), False), ((4, 21, 6), True), ((4, 22, 0), False), ((4, 22, 1), False),
    ((4, 22, 2), True), ((4, 23, 0), True), ((4, 24, 3), True), ((4, 30, 0), True), (None, True),
])
def test_shutdown_timeouts_exist_from_the_releases_that_have_them(version, available):
    for section, key, dummy in SHUTDOWN:
        assert conf.option_available(reference.known_options()[section][key], version) is available
        assert (key in reference.known_options(version)['failover']) is available


def test_shutdown_timeouts_are_written_for_423():
    text, warnings, notes = conf.apply_settings('[failover]\n\tdisabled = false\n', SHUTDOWN, (4, 23, 0))
    assert text == '[failover]\n\tdisabled = false\n\tshutdown failover timeout = 5\n\tshutdown extra timeout = 0\n'
    assert warnings == []
    assert conf.check_content(text, (4, 23, 0)) == []


def test_shutdown_timeouts_are_refused_for_417_naming_the_releases():
    with pytest.raises(conf.ConfError) as error:
        conf.apply_settings('', SHUTDOWN[:1], V417)
    assert error.value.msg == ('settings: [failover] "shutdown failover timeout" needs Samba 4.23 (or 4.21.6, 4.22.2) '
                               'or later, and ctdb here is 4.17')
    with pytest.raises(conf.ConfError, match=r'^content line 2: \[failover\] "shutdown extra timeout" needs Samba'):
        conf.check_content('[failover]\n\tshutdown extra timeout = 1\n', (4, 22, 1))


def test_a_negative_timeout_is_refused_as_ctdb_refuses_it():
    with pytest.raises(conf.ConfError) as error:
        conf.apply_settings('', [('failover', 'shutdown failover timeout', -1)], (4, 23))
    assert error.value.msg == ('settings: invalid value "-1" for [failover] "shutdown failover timeout": expected a '
                               'whole number from 0 to 2147483647')


def test_a_ctdb_newer_than_the_table_gets_unknown_options_through_to_ctdb_config():
    newer = (conf.KNOWN_UNTIL[0], conf.KNOWN_UNTIL[1] + 1, 0)
    assert conf.newer_than_table(newer) and not conf.newer_than_table((4, 24, 9)) and not conf.newer_than_table(None)
    changes = [('failover', 'brand new option', 'yes'), ('future', 'thing', '1')]
    with pytest.raises(conf.ConfError) as error:
        conf.apply_settings('', changes, newer)
    assert error.value.msg == (
        'settings: unknown option "brand new option" in section [failover]; known options there are "disabled", '
        '"shutdown failover timeout", "shutdown extra timeout"; ctdb here is 4.25.0, newer than the Samba releases '
        'this module knows (up to 4.24): with ctdb-config installed and validate=true, ctdb-config validate decides '
        'instead')
    text, warnings, dummy = conf.apply_settings('', changes, newer, allow_unknown=True)
    assert text == '[failover]\n\tbrand new option = yes\n[future]\n\tthing = 1\n'
    assert warnings == [
        'settings: [failover] "brand new option" is not an option of Samba up to 4.24; ctdb here is 4.25.0, so '
        'ctdb-config validate decides',
        'settings: [future] "thing" is not an option of Samba up to 4.24; ctdb here is 4.25.0, so ctdb-config '
        'validate decides']
    assert len(conf.check_content(text, newer, allow_unknown=True)) == 2
    with pytest.raises(conf.ConfError, match='^content line 2: unknown option "brand new option"'):
        conf.check_content(text, (4, 17), allow_unknown=False)
    with pytest.raises(conf.ConfError, match=r'^content line 3: unknown section \[future\]'):
        conf.check_content(text.replace('brand new option', 'disabled'), (4, 17), allow_unknown=False)


# --------------------------------------------------------------------------- NUL bytes and numbers (issue 10.8)
def test_nul_bytes_are_refused_in_values_and_files():
    with pytest.raises(conf.ConfError) as error:
        conf.apply_settings('', [('cluster', 'cluster lock', '/a\x00b')], V417)
    assert error.value.msg == ('settings: invalid value "/a\\x00b" for [cluster] "cluster lock": expected a non-empty '
                               'single-line string without NUL, not ending in a backslash')
    with pytest.raises(conf.ConfError) as error:
        conf.check_content('[cluster]\n\tcluster lock = /a\x00b\n', V417)
    assert error.value.msg == 'content line 2: a NUL byte: ctdbd reads the line only up to it; remove it'
    with pytest.raises(conf.ConfError, match=r'^ctdb.conf line 1: a NUL byte'):
        conf.apply_settings('[logg\x00ing]\n', [('cluster', 'cluster lock', '/a')], V417)


@pytest.mark.parametrize('text, number', [('5', 5), ('05', 5), ('007', 7), ('010', None), ('08', None), ('0', 0)])
def test_numbers_are_accepted_only_where_ctdb_reads_the_same_number(text, number):
    spec = reference.known_options()['cluster']['leader timeout']
    assert conf.canonical_value(dict(spec, min=0), text) == number


def test_node_address_is_read_as_ctdb_reads_it():
    spec = reference.known_options()['cluster']['node address']
    assert conf.canonical_value(spec, '::ffff:10.0.0.1') == '10.0.0.1'
    assert conf.canonical_value(spec, 'fe80::1%eth0') is None
