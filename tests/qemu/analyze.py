#!/usr/bin/python3
"""What live migrations of tests/qemu cost the guest's client.

  analyze.py CLIENT_PCAP VM_MAC VM_IP [--json] [--no-ports]
             SRC_PCAP DEST_PCAP EVENTS [SRC_PCAP DEST_PCAP EVENTS...]

CLIENT_PCAP is a capture on the client's NIC (its pings at 1000/s and
their replies).  For each migration, SRC_PCAP and DEST_PCAP are captures on
the VM's taps at the source and the destination (what the network delivered
to the VM's port, whether the guest consumed it or not), EVENTS the JSON
lines qemu.py wrote for it (QEMU's STOP at the source, RESUME at the
destination, with QEMU's own timestamps).  All clocks are the host's
CLOCK_REALTIME.  Prints one line of key=value pairs (or JSON) per
migration:

  sent, lost          echo requests the client sent from the migration's
                      start to a second after its end, and those that got
                      no reply;
  network_lost        the network's own share: lost requests that never
                      reached the VM's port at either place: not at the
                      destination, nor at the source before the VM resumed
                      elsewhere (with --no-ports, without tap captures:
                      not computed, the same as "lost");
  pause_lost          the rest: delivered to the VM's port at the source
                      when the guest no longer read it (QEMU does not
                      migrate what its tap holds), the pause's share;
  pause_ms            RESUME - STOP;
  dups                replies beyond the first for one request;
  rarp_to_first_us    from the guest's first RARP at the destination tap
                      (after the source's STOP: earlier RARPs there were
                      flooded from the source) to the first frame
                      delivered there to the VM after STOP (negative if
                      forwarding began before it, when the resume notice
                      opened the gate);
  first_after_resume_us   from RESUME to that first frame.

The captures are read with a small pcap reader of its own (Ethernet,
IPv4, ICMP), which is much faster than scapy on a minute of 1000/s pings.
"""
import json
import struct
import sys


def packets(path):
    """Yields (time, dst_mac, src_mac, ethertype, payload) from a pcap
    file (microsecond or nanosecond timestamps, Ethernet)."""
    with open(path, "rb") as f:
        head = f.read(24)
        if len(head) < 24:
            return
        magic = struct.unpack("<I", head[:4])[0]
        if magic in (0xa1b2c3d4, 0xa1b23c4d):
            endian = "<"
        else:
            endian = ">"
            magic = struct.unpack(">I", head[:4])[0]
        scale = 1e-9 if magic == 0xa1b23c4d else 1e-6
        rec = struct.Struct(endian + "IIII")
        while True:
            h = f.read(16)
            if len(h) < 16:
                return
            sec, frac, incl, _ = rec.unpack(h)
            data = f.read(incl)
            if len(data) < 14:
                continue
            etype = struct.unpack("!H", data[12:14])[0]
            yield (sec + frac * scale, data[0:6], data[6:12], etype,
                   data[14:])


def icmp_echo(etype, payload):
    """(type, id, seq, src_ip, dst_ip) of an ICMP echo, or None."""
    if etype != 0x0800 or len(payload) < 20 or payload[9] != 1:
        return None
    ihl = (payload[0] & 0x0f) * 4
    icmp = payload[ihl:ihl + 8]
    if len(icmp) < 8 or icmp[0] not in (0, 8):
        return None
    ident, seq = struct.unpack("!HH", icmp[4:8])
    return icmp[0], ident, seq, payload[12:16], payload[16:20]


def load_events(path):
    stop = resume = start = done = None
    for line in open(path):
        rec = json.loads(line)
        if rec.get("what") == "migrate-start" and start is None:
            start = rec["now"]
        elif rec.get("what") == "migrate-done" and done is None:
            done = rec["now"]
        if rec.get("what") != "event":
            continue
        if rec["event"] == "STOP" and rec["where"] == "src" and stop is None:
            stop = rec["t"]
        if rec["event"] == "RESUME" and rec["where"] == "dst" \
           and resume is None:
            resume = rec["t"]
    return stop, resume, start, done


def ip_bytes(text):
    return bytes(int(x) for x in text.split("."))


def mac_bytes(text):
    return bytes(int(x, 16) for x in text.split(":"))


def main():
    argv = sys.argv[1:]
    as_json = "--json" in argv
    no_ports = "--no-ports" in argv
    args = [a for a in argv if not a.startswith("--")]
    client_pcap, vm_mac, vm_ip = args[:3]
    runs = args[3:]
    if not runs or len(runs) % 3:
        sys.exit("usage: see the docstring")
    vm_mac, vm_ip = mac_bytes(vm_mac), ip_bytes(vm_ip)

    # The client's capture, once: requests (first send time) and reply
    # counts, per (id, seq).
    sent_at = {}
    ids = {}
    replies = {}
    for t, _, _, etype, payload in packets(client_pcap):
        e = icmp_echo(etype, payload)
        if not e:
            continue
        kind, ident, seq, src, dst = e
        if kind == 8 and dst == vm_ip:
            ids[ident] = ids.get(ident, 0) + 1
            sent_at.setdefault((ident, seq), []).append(t)
        elif kind == 0 and src == vm_ip:
            replies[(ident, seq)] = replies.get((ident, seq), 0) + 1
    # The 1000/s ping is the id that sent the most.
    ping_id = max(ids, key=ids.get) if ids else None

    for i in range(0, len(runs), 3):
        src_pcap, dest_pcap, events = runs[i:i + 3]
        stop, resume, start, done = load_events(events)
        if None in (stop, resume, start, done):
            sys.exit("no STOP, RESUME or migration in %s" % events)
        # Sequence numbers wrap after 65536 requests: take the send that
        # falls in this migration's window.
        sent = {}
        for (ident, seq), times in sent_at.items():
            if ident != ping_id:
                continue
            for t in times:
                if start <= t <= done + 1.0:
                    sent[seq] = t
        lost = sorted(s for s in sent if not replies.get((ping_id, s)))
        dups = sum(replies.get((ping_id, s), 0) - 1 for s in sent
                   if replies.get((ping_id, s), 0) > 1)

        at_port = set()
        first_rarp = first_to_vm = None
        if not no_ports:
            for path in (src_pcap, dest_pcap):
                for t, dst, src, etype, payload in packets(path):
                    # Before the pause, the destination's port also
                    # carries what floods from the source: the running
                    # guest's broadcasts, and the RARPs its QEMU still
                    # sends when it arrived there moments before.  The
                    # destination QEMU's own RARPs, and the switch-over,
                    # come after the source's STOP.
                    if path == dest_pcap and t >= stop:
                        if etype == 0x8035 and src == vm_mac:
                            if first_rarp is None:
                                first_rarp = t
                        elif dst == vm_mac and first_to_vm is None:
                            first_to_vm = t
                    e = icmp_echo(etype, payload)
                    if e and e[0] == 8 and e[1] == ping_id \
                       and (path == dest_pcap or t < resume) \
                       and sent.get(e[2]) is not None \
                       and abs(t - sent[e[2]]) < 30:
                        at_port.add(e[2])
        network_lost = [s for s in lost if s not in at_port]
        result = {
            "sent": len(sent),
            "lost": len(lost),
            "network_lost": len(network_lost),
            "pause_lost": len(lost) - len(network_lost),
            "pause_ms": round((resume - stop) * 1000, 1),
            "dups": dups,
            "rarp_to_first_us": (round((first_to_vm - first_rarp) * 1e6)
                                 if first_rarp and first_to_vm else None),
            "first_after_resume_us": (round((first_to_vm - resume) * 1e6)
                                      if first_to_vm else None),
            "network_lost_seqs": network_lost[:20],
        }
        if as_json:
            print(json.dumps(result))
        else:
            print(" ".join("%s=%s" % (k, v) for k, v in result.items()
                           if k != "network_lost_seqs"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
