#!/usr/bin/env python3
"""One end of a test connection for emu's capture test data.

  peer.py server ADDR PORT MODE [COUNT]   accept COUNT connections (default 1)
  peer.py client ADDR PORT MODE [LPORT]   connect (from local port LPORT if given)

MODE says how the two ends close:
  three-way  client sends 100 B and closes; server reads to EOF, closes at once
  four-way   as three-way, but the server sleeps 100 ms after EOF (its delayed
             ACK of the FIN, 40 ms, leaves first)
  rst        client sends 100 B; the server sleeps 50 ms and closes without
             reading: close() with unread data sends RST
  fin-rst    server closes at once after accept; the client sends 100 B 20 ms
             later: data after close() is answered with RST
  simul      server sends 1 B, sleeps 10 ms and closes; the client closes as
             soon as the byte arrives (run with each host dropping the first
             FIN it receives, so that the FINs cross)
  server-first  client sends 100 B and reads to EOF, then closes; the server
             reads the 100 B, answers 100 B and closes at once
  idle       client connects, sleeps 2.5 s, sends 100 B and closes; server as
             three-way (the capture starts after the handshake)
  refused    client connects to a port nobody listens on
  timeout    client sends 100 B, sleeps 1 s and closes (the script cuts the
             link in between); the server reads the 100 B and sleeps 8 s
"""
import socket
import sys
import time


def read_eof(c):
    n = 0
    while True:
        b = c.recv(65536)
        if not b:
            return n
        n += len(b)


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def server(addr, port, mode, count):
    s = socket.socket(family(addr), socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(8)
    print("listening", flush=True)
    for _ in range(count):
        c, _ = s.accept()
        if mode in ("three-way", "idle"):
            read_eof(c)
            c.close()
        elif mode == "four-way":
            read_eof(c)
            time.sleep(0.1)
            c.close()
        elif mode == "rst":
            time.sleep(0.05)
            c.close()
        elif mode == "fin-rst":
            c.close()
        elif mode == "simul":
            c.send(b"x")
            time.sleep(0.01)
            c.close()
        elif mode == "timeout":
            c.recv(100)
            time.sleep(8)
            c.close()
        elif mode == "server-first":
            c.recv(100)
            c.send(b"y" * 100)
            c.close()
    s.close()


def client(addr, port, mode, lport):
    c = socket.socket(family(addr), socket.SOCK_STREAM)
    if lport:
        c.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        c.bind(("", lport))
    try:
        c.connect((addr, port))
    except ConnectionRefusedError:
        print("refused", flush=True)
        return
    if mode in ("three-way", "four-way"):
        c.send(b"a" * 100)
        c.close()
    elif mode == "timeout":
        c.send(b"a" * 100)
        time.sleep(1)
        c.close()
    elif mode == "idle":
        time.sleep(2.5)
        c.send(b"a" * 100)
        c.close()
    elif mode == "rst":
        c.send(b"a" * 100)
        try:
            c.recv(100)
        except ConnectionResetError:
            print("reset", flush=True)
        c.close()
    elif mode == "fin-rst":
        time.sleep(0.02)
        c.send(b"a" * 100)
        time.sleep(0.05)
        c.close()
    elif mode == "simul":
        c.recv(1)
        c.close()
        time.sleep(1)  # keep the process until the FINs are retransmitted
    elif mode == "server-first":
        c.send(b"a" * 100)
        read_eof(c)
        c.close()


if __name__ == "__main__":
    role, addr, port, mode = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    extra = int(sys.argv[5]) if len(sys.argv) > 5 else 0
    if role == "server":
        server(addr, port, mode, extra or 1)
    else:
        client(addr, port, mode, extra)
