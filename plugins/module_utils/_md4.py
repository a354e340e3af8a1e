# -*- coding: utf-8 -*-
# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""MD4 (RFC 1320) and the NT hash Samba keeps for a password: MD4 of the UTF-16LE password.

OpenSSL 3 (Debian 12, EL 9) moved MD4 to its legacy provider, so ``hashlib.new('md4')`` fails
there ("unsupported hash type md4"). :func:`md4` uses hashlib when it offers MD4 and this pure
Python implementation otherwise; both are checked on the RFC's test vectors. MD4 is broken as a
hash: it is used here only because it is how Samba's passdb stores a password (the NT hash), to
tell whether a given password is already set without changing anything.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import hashlib
import struct
from typing import Callable, List, Optional

_MASK = 0xFFFFFFFF
# Round 2 and 3 constants (RFC 1320, 3.4): sqrt(2) and sqrt(3) scaled to 32 bits.
_ROUND2 = 0x5A827999
_ROUND3 = 0x6ED9EBA1
# Word order and shifts of rounds 2 and 3.
_ORDER2 = (0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15)
_ORDER3 = (0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15)
_SHIFTS1 = (3, 7, 11, 19)
_SHIFTS2 = (3, 5, 9, 13)
_SHIFTS3 = (3, 9, 11, 15)


def _rotl(value: int, shift: int) -> int:
    value &= _MASK
    return ((value << shift) | (value >> (32 - shift))) & _MASK


def _round(state: List[int], words: List[int], order: List[int], shifts: List[int],
           mix: Callable[[int, int, int], int], constant: int) -> None:
    """One round of 16 steps on ``state`` (a, b, c, d), in place."""
    for step in range(16):
        a, b, c, d = state
        value = _rotl(a + mix(b, c, d) + words[order[step]] + constant, shifts[step % 4])
        state[0], state[1], state[2], state[3] = d, value, b, c


def _f(x: int, y: int, z: int) -> int:
    return (x & y) | (~x & z)


def _g(x: int, y: int, z: int) -> int:
    return (x & y) | (x & z) | (y & z)


def _h(x: int, y: int, z: int) -> int:
    return x ^ y ^ z


def md4_pure(data: bytes) -> bytes:
    """The MD4 digest of ``data`` (16 bytes), computed in Python as RFC 1320 describes."""
    length = len(data)
    padded = data + b'\x80' + b'\x00' * ((55 - length) % 64) + struct.pack('<Q', (length * 8) & 0xFFFFFFFFFFFFFFFF)
    state = [0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476]
    for offset in range(0, len(padded), 64):
        words = list(struct.unpack('<16I', padded[offset:offset + 64]))
        work = list(state)
        _round(work, words, list(range(16)), list(_SHIFTS1), _f, 0)
        _round(work, words, list(_ORDER2), list(_SHIFTS2), _g, _ROUND2)
        _round(work, words, list(_ORDER3), list(_SHIFTS3), _h, _ROUND3)
        state = [(s + w) & _MASK for s, w in zip(state, work)]
    return struct.pack('<4I', *state)


def _hashlib_md4(data: bytes) -> Optional[bytes]:
    """MD4 through hashlib, or None where OpenSSL does not offer it."""
    try:
        digest = hashlib.new('md4', data)
    except ValueError:  # "unsupported hash type md4" (OpenSSL 3 without its legacy provider)
        return None
    return digest.digest()


def md4(data: bytes) -> bytes:
    """The MD4 digest of ``data``: hashlib's when it has MD4, else :func:`md4_pure`."""
    found = _hashlib_md4(data)
    return found if found is not None else md4_pure(data)


def nt_hash(password: str) -> str:
    """The NT hash of ``password`` as pdbedit prints it: MD4 of the UTF-16LE text, 32 upper-case hex digits."""
    return md4(password.encode('utf-16-le')).hex().upper()
