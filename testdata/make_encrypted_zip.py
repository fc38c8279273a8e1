#!/usr/bin/env python3
"""Writes a ZIP whose members are stored and encrypted with traditional PKWARE encryption
(ZipCrypto), byte-identical between runs.

    make_encrypted_zip.py OUT.zip PASSWORD FILE...   (members are named by their base names)

zip -P and 7z draw the 12-byte encryption header from a random source; here its first 11 bytes
come from a fixed seed, so the archive is deterministic like every other testdata output. The
format follows PKWARE's APPNOTE.TXT 6.3.x: local file header (4.3.7), central directory header
(4.3.12), end of central directory record (4.3.16) and traditional encryption (6.1: key
initialisation 6.1.5, encryption header 6.1.6). Every time is the testdata clock,
2024-03-01 12:00:00 as an MS-DOS time.
"""
import os
import random
import struct
import sys
import zlib

DOS_TIME = (12 << 11) | (0 << 5) | 0  # 12:00:00
DOS_DATE = ((2024 - 1980) << 9) | (3 << 5) | 1  # 2024-03-01

CRC_TABLE = []
for n in range(256):
    c = n
    for _ in range(8):
        c = (c >> 1) ^ 0xEDB88320 if c & 1 else c >> 1
    CRC_TABLE.append(c)


def crc_step(crc, byte):
    """APPNOTE 6.1.5's crc32(): one table step, without the pre- and post-inversion."""
    return CRC_TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)


class ZipCrypto:
    def __init__(self, password):
        self.k0, self.k1, self.k2 = 0x12345678, 0x23456789, 0x34567890
        for b in password:
            self.update(b)

    def update(self, byte):
        self.k0 = crc_step(self.k0, byte)
        self.k1 = (self.k1 + (self.k0 & 0xFF)) & 0xFFFFFFFF
        self.k1 = (self.k1 * 134775813 + 1) & 0xFFFFFFFF
        self.k2 = crc_step(self.k2, self.k1 >> 24)

    def encrypt(self, data):
        out = bytearray()
        for p in data:
            t = (self.k2 | 2) & 0xFFFF
            out.append(p ^ (((t * (t ^ 1)) >> 8) & 0xFF))
            self.update(p)
        return bytes(out)


def main():
    if len(sys.argv) < 4:
        sys.exit("usage: make_encrypted_zip.py OUT.zip PASSWORD FILE...")
    out_path, password = sys.argv[1], sys.argv[2].encode()
    rng = random.Random(0x5EED)  # fixed: the "random" header bytes are the same every run
    body, central = bytearray(), bytearray()
    for path in sys.argv[3:]:
        name = os.path.basename(path).encode()
        with open(path, "rb") as f:
            data = f.read()
        crc = zlib.crc32(data) & 0xFFFFFFFF
        # 6.1.6: 11 header bytes, then the high byte of the CRC as the password check byte.
        header = bytes(rng.randrange(256) for _ in range(11)) + bytes([crc >> 24])
        enc = ZipCrypto(password).encrypt(header + data)
        offset = len(body)
        # flags bit 0: encrypted; method 0: stored; version needed 2.0.
        fields = struct.pack("<HHHHHIII", 20, 1, 0, DOS_TIME, DOS_DATE, crc, len(enc), len(data))
        body += struct.pack("<I", 0x04034B50) + fields + struct.pack("<HH", len(name), 0)
        body += name + enc
        central += struct.pack("<IH", 0x02014B50, 20) + fields
        central += struct.pack("<HHHHHII", len(name), 0, 0, 0, 0, 0, offset) + name
    count = len(sys.argv) - 3
    eocd = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(central), len(body), 0)
    with open(out_path, "wb") as f:
        f.write(bytes(body) + bytes(central) + eocd)


if __name__ == "__main__":
    main()
