#!/usr/bin/env python3
"""wait_answer.py PID PORT NAME TYPE SERIAL SECONDS START [COMMAND...]: for load.sh and geo_load.sh.

Waits until NAME TYPE (A or SOA) is answered by 127.0.0.1:PORT (with SERIAL: an SOA with that
serial; "-": any answer), asking every 5 ms with a 20 ms timeout, and prints the milliseconds since
START (a `date +%s.%N` time; "-": since just before it ran COMMAND, which "hup" makes a SIGHUP to
PID). Fails at the deadline of SECONDS or when PID exits."""
import os, signal, socket, struct, subprocess, sys, time
pid, port, name, qtype, serial, seconds, start = sys.argv[1:8]
command = sys.argv[8:]
qtype = {"A": 1, "SOA": 6}[qtype]
query = struct.pack(">HHHHHH", 0x4e39, 0, 1, 0, 0, 0) + b"".join(
    bytes([len(l)]) + l.encode() for l in name.rstrip(".").split(".")) + b"\0" + struct.pack(">HH", qtype, 1)
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.settimeout(0.02)
if start == "-":
    start = time.time()
    if command == ["hup"]: os.kill(int(pid), signal.SIGHUP)
    elif command: subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
deadline = time.time() + float(seconds)
def answered(reply):
    if len(reply) < 12 or reply[:2] != query[:2] or struct.unpack(">H", reply[6:8])[0] == 0: return False
    if serial == "-": return True
    pos = len(query)  # the answer: owner (a pointer), type, class, ttl, rdlength, rdata
    pos += 2 if reply[pos] >= 0xC0 else reply.index(b"\0", pos) + 1 - pos
    pos += 10
    for _ in range(2):  # mname, rname
        while reply[pos] != 0 and reply[pos] < 0xC0: pos += 1 + reply[pos]
        pos += 2 if reply[pos] >= 0xC0 else 1
    return struct.unpack(">I", reply[pos:pos + 4])[0] == int(serial)
while time.time() < deadline:
    try: os.kill(int(pid), 0)
    except OSError: sys.exit(1)
    try:
        sock.sendto(query, ("127.0.0.1", int(port)))
        if answered(sock.recv(4096)):
            print("%.0f" % ((time.time() - float(start)) * 1000)); sys.exit(0)
    except (socket.timeout, ConnectionRefusedError, IndexError): pass
    time.sleep(0.005)
sys.exit(1)
