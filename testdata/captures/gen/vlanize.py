#!/usr/bin/env python3
"""vlanize.py IN.pcap OUT.pcap VID: copies an Ethernet pcap, inserting an
802.1Q tag (TPID 0x8100, priority 0, VLAN VID) after each frame's MAC
addresses. Used because the kernel that made the other captures has no
802.1Q support (no vlan interfaces, no tc vlan action)."""
import struct
import sys

src, dst, vid = sys.argv[1], sys.argv[2], int(sys.argv[3])
data = open(src, "rb").read()
magic = struct.unpack("<I", data[:4])[0]
assert magic in (0xA1B2C3D4, 0xA1B23C4D), "little-endian pcap expected"
linktype = struct.unpack("<I", data[20:24])[0]
assert linktype == 1, "Ethernet expected"
out = bytearray(data[:24])
off = 24
tag = struct.pack(">HH", 0x8100, vid & 0x0FFF)
while off < len(data):
    sec, frac, incl, orig = struct.unpack("<IIII", data[off:off + 16])
    frame = data[off + 16:off + 16 + incl]
    off += 16 + incl
    frame = frame[:12] + tag + frame[12:]
    out += struct.pack("<IIII", sec, frac, incl + 4, orig + 4) + frame
open(dst, "wb").write(out)
