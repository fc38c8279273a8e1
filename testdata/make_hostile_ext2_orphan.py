#!/usr/bin/env python3
"""Writes a hostile ext2 image for the memory-limit test (tests/e2e/test_containment.py).

It is the evidence_fuzz seed fuzz/corpus/evidence_fuzz/ext2.img with three bytes of its inode
table changed, as evidence_fuzz found them (minimised): deleted inode 106 then declares a size of
3,456,106,496 bytes, and TSK's orphan search (tsk_fs_dir_find_orphans -> ext2fs_inode_walk) asks
calloc for that many bytes and fills them: a 64 KiB image made an unbounded scan reach 6.8 GB of
resident memory. Usage: make_hostile_ext2_orphan.py OUTPUT
"""
import os
import sys

SEED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fuzz", "corpus",
                    "evidence_fuzz", "ext2.img")
# (offset, new byte): inode 106's size fields, in the inode table at block 34 (1 KiB blocks).
PATCH = [(0x8907, 0xCE), (0x890C, 0xDC), (0x8923, 0x1C)]

with open(SEED, "rb") as f:
    image = bytearray(f.read())
for offset, value in PATCH:
    image[offset] = value
with open(sys.argv[1], "wb") as f:
    f.write(image)
