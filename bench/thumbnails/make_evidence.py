#!/usr/bin/env python3
"""Writes the benchmark's folder evidence: one thumbcache_256.db (format 32, the Windows 10/11
layout of plugins/thumbcache/README.md) with N entries, each a distinct small JPEG drawn here
(the JPEG given, drawn by vigil_testpix, with the entry number in a comment segment, so that
every picture has its own digest), with correct CRC-64 checksums; and a Windows 11 Windows.db (the schema of
plugins/searchindex/README.md) that lists every entry's cache id with a path.

Usage: make_evidence.py DIR N PICTURE.jpg"""
import os
import sqlite3
import struct
import sys


def crc64_table():
    poly = 0x92C64265D32139A4  # reflected; plugins/thumbcache/README.md
    t = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ poly if c & 1 else c >> 1
        t.append(c)
    return t


TABLE = crc64_table()


def crc64(b, c=0xFFFFFFFFFFFFFFFF):
    for x in b:
        c = TABLE[(c ^ x) & 0xFF] ^ (c >> 8)
    return c


def jpeg(n, base):
    """A valid JPEG: `base` with a COM segment naming n after its SOI marker."""
    com = b"vigil bench %d" % n
    return base[:2] + b"\xff\xfe" + struct.pack(">H", len(com) + 2) + com + base[2:]


def main():
    out, n = sys.argv[1], int(sys.argv[2])
    os.makedirs(out, exist_ok=True)
    with open(sys.argv[3], "rb") as f:
        base = f.read()
    entries = []
    for i in range(n):
        cid = 0x5EED000000000000 + i
        ident = ("%016x" % cid).encode("utf-16-le")
        data = jpeg(i, base)
        size = 56 + len(ident) + len(data)
        head = struct.pack("<4sIQIIIII", b"CMMM", size, cid, len(ident), 0, len(data), 96, 96)
        head += struct.pack("<I", 0)  # unknown
        head += struct.pack("<Q", crc64(data))
        head += struct.pack("<Q", crc64(head[:48]))
        entries.append(head + ident + data)
    body = b"".join(entries)
    header = struct.pack("<4sIIIII", b"CMMM", 32, 1, 24, 24 + len(body), 0)
    with open(os.path.join(out, "thumbcache_256.db"), "wb") as f:
        f.write(header + body)
    db_path = os.path.join(out, "Windows.db")
    if os.path.exists(db_path):
        os.remove(db_path)
    db = sqlite3.connect(db_path)
    db.execute("CREATE TABLE SystemIndex_1_PropertyStore(WorkId INTEGER NOT NULL, ColumnId "
               "INTEGER NOT NULL, Value BLOB NOT NULL, PRIMARY KEY(WorkId, ColumnId)) WITHOUT ROWID")
    db.execute("CREATE TABLE SystemIndex_1_PropertyStore_Metadata(Id INTEGER PRIMARY KEY, "
               "UniqueKey TEXT, Name TEXT, VariantType INTEGER)")
    db.executemany("INSERT INTO SystemIndex_1_PropertyStore_Metadata VALUES(?,?,?,?)",
                   [(33, "4447-System_ItemPathDisplay", "System.ItemPathDisplay", 31),
                    (448, "13F-System_Size", "System.Size", 21),
                    (596, "4A1-System_ThumbnailCacheId", "System.ThumbnailCacheId", 21)])
    rows = []
    for i in range(n):
        rows.append((i + 1, 33, "C:\\Users\\bench\\Pictures\\p%06d.jpg" % i))
        rows.append((i + 1, 448, struct.pack("<Q", 1000 + i)))
        rows.append((i + 1, 596, struct.pack("<Q", 0x5EED000000000000 + i)))
    db.executemany("INSERT INTO SystemIndex_1_PropertyStore VALUES(?,?,?)", rows)
    db.commit()
    db.close()


if __name__ == "__main__":
    main()
