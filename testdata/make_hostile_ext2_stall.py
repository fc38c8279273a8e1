#!/usr/bin/env python3
"""Writes a hostile ext2 image for the walk stall test (tests/e2e/test_containment.py).

It is the evidence_fuzz seed fuzz/corpus/evidence_fuzz/ext2.img with one byte changed, as
evidence_fuzz found it (a timeout, minimised by reverting the fuzzer's other changes while the
hang held): the top byte of the root folder's size (inode 2 of the inode table at block 8, 1 KiB
blocks, 256-byte inodes), so that the root folder declares 536,871,936 bytes instead of 1,024.
Opening that folder, TSK 4.12 builds its block runs (tsk_fs_unix_make_data_run) in a loop that
reads nothing and had not ended after 33 CPU-seconds: without a stall limit the scan's walk
never ends. Usage: make_hostile_ext2_stall.py OUTPUT
"""
import os
import sys

SEED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fuzz", "corpus",
                    "evidence_fuzz", "ext2.img")
# (offset, new byte): byte 7 of inode 2 (i_size, bits 24-31) at 8 * 1024 + 256 + 7.
PATCH = [(0x2107, 0x20)]

with open(SEED, "rb") as f:
    image = bytearray(f.read())
for offset, value in PATCH:
    image[offset] = value
with open(sys.argv[1], "wb") as f:
    f.write(image)
