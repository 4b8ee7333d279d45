#!/usr/bin/python3
"""Drives real QEMU live migrations for tests/qemu and bench/.

  qemu.py start NAME NETNS TAP MAC IP RUNDIR GUESTDIR [--incoming SOCK]
      starts QEMU (TCG) in network namespace NETNS with a virtio-net NIC on
      the existing tap TAP, its QMP socket RUNDIR/NAME.qmp, its serial
      console RUNDIR/NAME.console and its pidfile RUNDIR/NAME.pid; with
      --incoming, waits for a migration on unix socket SOCK.  Without it,
      waits until the guest says it is ready.

  qemu.py migrate SRC_QMP DST_QMP SOCK EVENTS [--pause-to CTL VM]
                  [--resume-to CTL VM]
      live-migrates the guest of SRC_QMP to DST_QMP (started --incoming
      SOCK), as libvirt does it: when the source reports STOP for the final
      pass, the pause notice goes at once to roamd's control socket CTL
      ("vm/paused VM"), on a connection opened beforehand, the same way as
      roamd's libvirt event; when the destination reports RESUME, the
      resume notice goes to its roamd ("vm/resumed VM").  Writes the QMP
      events, with QEMU's timestamps, and the notices' replies, as JSON
      lines to EVENTS.  Quits the source when the migration has completed.

Everything QEMU runs here is what Debian ships: qemu-system-x86_64 with
TCG (no KVM), the guest from tools/guest-build.
"""
import json
import os
import select
import socket
import subprocess
import sys
import time


class Qmp:
    """A QMP connection: commands, and events as they come."""

    def __init__(self, path, timeout=30):
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        self.buf = b""
        self.events = []
        greeting = self._read()
        assert "QMP" in greeting, greeting
        self.command("qmp_capabilities")

    def fileno(self):
        return self.sock.fileno()

    def _read(self, timeout=30):
        while b"\n" not in self.buf:
            r, _, _ = select.select([self.sock], [], [], timeout)
            if not r:
                raise TimeoutError("QMP: no message")
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("QMP: connection closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def read_pending(self):
        """Returns the messages that are available now, without waiting
        for more than what the socket holds."""
        msgs = []
        while True:
            while b"\n" in self.buf:
                line, self.buf = self.buf.split(b"\n", 1)
                msgs.append(json.loads(line))
            r, _, _ = select.select([self.sock], [], [], 0)
            if not r:
                return msgs
            chunk = self.sock.recv(65536)
            if not chunk:
                return msgs
            self.buf += chunk

    def command(self, name, **args):
        msg = {"execute": name}
        if args:
            msg["arguments"] = args
        self.sock.sendall(json.dumps(msg).encode() + b"\n")
        while True:
            reply = self._read()
            if "event" in reply:
                self.events.append(reply)
                continue
            if "error" in reply:
                raise RuntimeError("QMP %s: %s" % (name, reply["error"]))
            return reply.get("return")


class Unixctl:
    """A JSON-RPC connection to a unixctl server (roamd's control socket),
    opened before it is needed, as libvirt's event reaches a roamd that is
    already running."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.buf = b""
        self.id = 0

    def send(self, method, *params):
        self.id += 1
        msg = {"method": method, "params": list(params), "id": self.id}
        self.sock.sendall(json.dumps(msg).encode())
        return self.id

    def fileno(self):
        return self.sock.fileno()

    def read_reply(self, timeout=30):
        """A JSON-RPC reply is one JSON object, not a line: decode the
        first complete object in the buffer."""
        decoder = json.JSONDecoder()
        deadline = time.monotonic() + timeout
        while True:
            text = self.buf.decode(errors="replace").lstrip()
            if text:
                try:
                    obj, end = decoder.raw_decode(text)
                    self.buf = text[end:].encode()
                    return obj
                except ValueError:
                    pass
            left = deadline - time.monotonic()
            r, _, _ = select.select([self.sock], [], [], max(left, 0))
            if not r:
                raise TimeoutError("unixctl: no reply")
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("unixctl: closed")
            self.buf += chunk


def start(argv):
    name, netns, tap, mac, ip, rundir, guestdir = argv[:7]
    incoming = None
    if "--incoming" in argv:
        incoming = argv[argv.index("--incoming") + 1]
    qmp = os.path.join(rundir, name + ".qmp")
    console = os.path.join(rundir, name + ".console")
    pidfile = os.path.join(rundir, name + ".pid")
    for path in (qmp, console, pidfile):
        if os.path.exists(path):
            os.unlink(path)
    cmd = ["ip", "netns", "exec", netns, "qemu-system-x86_64",
           "-name", name, "-machine", "q35,accel=tcg", "-m", "128",
           "-nodefaults", "-no-user-config", "-display", "none",
           "-kernel", os.path.join(guestdir, "vmlinuz"),
           "-initrd", os.path.join(guestdir, "initrd.img"),
           "-append", "console=ttyS0 quiet panic=-1 roam.ip=%s/24" % ip,
           # No vnet header: the userspace datapath gets whole frames with
           # their checksums, as from a veth with tx offload off.
           "-netdev", "tap,id=n0,ifname=%s,script=no,downscript=no,"
                      "vnet_hdr=off" % tap,
           "-device", "virtio-net-pci,netdev=n0,mac=%s,romfile=" % mac,
           "-qmp", "unix:%s,server=on,wait=off" % qmp,
           "-serial", "file:%s" % console,
           "-pidfile", pidfile, "-daemonize"]
    if incoming:
        cmd += ["-incoming", "unix:%s" % incoming]
    subprocess.run(cmd, check=True)
    q = Qmp(qmp)
    if not incoming:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if os.path.exists(console) and \
               b"roam-guest: ready" in open(console, "rb").read():
                break
            time.sleep(0.1)
        else:
            sys.exit("%s: the guest did not come up (see %s)"
                     % (name, console))
    q.sock.close()
    return 0


def event_time(ev):
    ts = ev.get("timestamp", {})
    return ts.get("seconds", 0) + ts.get("microseconds", 0) / 1e6


def migrate(argv):
    src_path, dst_path, sock, events_path = argv[:4]
    pause = resume = None
    if "--pause-to" in argv:
        i = argv.index("--pause-to")
        pause = (Unixctl(argv[i + 1]), argv[i + 2])
    if "--resume-to" in argv:
        i = argv.index("--resume-to")
        resume = (Unixctl(argv[i + 1]), argv[i + 2])
    src = Qmp(src_path)
    dst = Qmp(dst_path)
    src.command("migrate-set-capabilities",
                capabilities=[{"capability": "events", "state": True}])
    out = open(events_path, "a")

    def log(**rec):
        rec["now"] = time.time()
        out.write(json.dumps(rec) + "\n")
        out.flush()

    # QEMU announces the guest after the switch-over (RARPs, as QEMU 7.2
    # does by default: 5 at 50, 150, 250... ms).
    src.command("migrate", uri="unix:%s" % sock)
    log(what="migrate-start")
    done = False
    stopped = resumed = False
    pending = {}
    deadline = time.monotonic() + 120
    while not (done and (resumed or done != "completed")):
        if time.monotonic() > deadline:
            sys.exit("migration did not complete in 120 s")
        fds = [src, dst] + [n[0] for n in (pause, resume) if n]
        r, _, _ = select.select(fds, [], [], 1.0)
        for q, where in ((src, "src"), (dst, "dst")):
            if q not in r and not q.buf and not q.events:
                continue
            msgs, q.events = q.events + q.read_pending(), []
            for ev in msgs:
                if "event" not in ev:
                    continue
                name = ev["event"]
                if name == "STOP" and where == "src" and not stopped:
                    stopped = True
                    if pause:
                        pending[pause[0].send("vm/paused", pause[1])] = \
                            (pause[0], "pause")
                    log(what="event", where=where, event=name,
                        t=event_time(ev))
                elif name == "RESUME" and where == "dst" and not resumed:
                    resumed = True
                    if resume:
                        pending[resume[0].send("vm/resumed",
                                               resume[1])] = \
                            (resume[0], "resume")
                    log(what="event", where=where, event=name,
                        t=event_time(ev))
                else:
                    log(what="event", where=where, event=name,
                        t=event_time(ev), data=ev.get("data"))
                if name == "MIGRATION" and where == "src" and not done:
                    status = ev.get("data", {}).get("status")
                    if status in ("completed", "failed", "cancelled"):
                        done = status
                        log(what="migrate-done", status=done)
        for conn, kind in list(pending.values()):
            if conn in r:
                reply = conn.read_reply()
                conn_kind = pending.pop(reply.get("id"), (None, kind))[1]
                log(what="notice-reply", notice=conn_kind,
                    result=reply.get("result"), error=reply.get("error"))
    # Late replies to the notices.
    for conn, kind in list(pending.values()):
        reply = conn.read_reply()
        log(what="notice-reply", notice=kind, result=reply.get("result"),
            error=reply.get("error"))
    info = src.command("query-migrate")
    log(what="migrate-info", info=info)
    if done != "completed":
        sys.exit("migration %s" % done)
    # The destination runs; the source, paused, exits, as libvirt makes it.
    deadline = time.monotonic() + 30
    while dst.command("query-status").get("status") != "running":
        if time.monotonic() > deadline:
            sys.exit("the destination does not run")
        time.sleep(0.01)
    try:
        src.command("quit")
    except (EOFError, OSError):
        pass
    return 0


def main():
    cmd = sys.argv[1]
    if cmd == "start":
        return start(sys.argv[2:])
    if cmd == "migrate":
        return migrate(sys.argv[2:])
    sys.exit("usage: see the docstring")


if __name__ == "__main__":
    sys.exit(main())
