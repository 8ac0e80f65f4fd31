"""Prints the sections of a .ybc that carry meaning, in hex, one per line:
SCHM OUTS CONS PARM STAT NATV CODE ROUT (vm/ybc.c).  META (names, the source path), RULE
(rule lines, source texts of explanations) and LINE (the line table) are left
out: formatting may move lines.  usage: python3 ybc_sections.py FILE.ybc"""
import struct
import sys

KEEP = {b"SCHM", b"OUTS", b"CONS", b"PARM", b"STAT", b"NATV", b"CODE", b"ROUT"}
data = open(sys.argv[1], "rb").read()
pos = 32  # magic 8, version 4, flags 4, length 8, checksum 8
while pos + 8 <= len(data):
    tag = data[pos:pos + 4]
    (n,) = struct.unpack_from("<I", data, pos + 4)
    if tag in KEEP:
        print(tag.decode(), data[pos + 8:pos + 8 + n].hex())
    pos += 8 + n
