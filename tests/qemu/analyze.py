#!/usr/bin/python3
"""What one live migration of tests/qemu cost the guest's client.

  analyze.py CLIENT_PCAP SRC_PCAP DEST_PCAP EVENTS VM_MAC VM_IP [--json]

CLIENT_PCAP is a capture on the client's NIC (its pings at 1000/s and
their replies), SRC_PCAP and DEST_PCAP captures on the VM's taps at the
source and the destination (what the network delivered to the VM's port,
whether the guest consumed it or not), EVENTS
the JSON lines qemu.py wrote for the migration (QEMU's STOP at the source,
RESUME at the destination, with QEMU's own timestamps).  All clocks are the
host's CLOCK_REALTIME.  Prints one line of key=value pairs (or JSON):

  sent, lost          echo requests the client sent during the capture, and
                      those that got no reply;
  network_lost        the network's own share: lost requests that never
                      reached the VM's port at either place (with
                      --no-ports, without tap captures: not computed, the
                      same as "lost");
  pause_lost          the rest: delivered to the VM's port at the source
                      after the guest had stopped reading it (QEMU does not
                      migrate what its tap holds), the pause's share;
  pause_ms            RESUME - STOP;
  dups                replies beyond the first for one request;
  rarp_to_first_us    from the guest's first RARP at the destination tap to
                      the first frame delivered there to the VM (negative if
                      forwarding began before it, when the resume notice
                      opened the gate);
  first_after_resume_us   from RESUME to that first frame.
"""
import json
import sys

from scapy.all import ARP, ICMP, IP, Ether, rdpcap  # noqa: F401



def load_events(path):
    stop = resume = start = done = None
    for line in open(path):
        rec = json.loads(line)
        if rec.get("what") == "migrate-start":
            start = rec["now"]
        elif rec.get("what") == "migrate-done":
            done = rec["now"]
        if rec.get("what") != "event":
            continue
        if rec["event"] == "STOP" and rec["where"] == "src" and stop is None:
            stop = rec["t"]
        if rec["event"] == "RESUME" and rec["where"] == "dst" \
           and resume is None:
            resume = rec["t"]
    return stop, resume, start, done


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    client_pcap, src_pcap, dest_pcap, events, vm_mac, vm_ip = args[:6]
    vm_mac = vm_mac.lower()
    stop, resume, start, done = load_events(events)
    if stop is None or resume is None or start is None or done is None:
        sys.exit("no STOP, RESUME or migration in %s" % events)

    # The requests of the 1000/s ping (its ICMP id: the most used one)
    # sent from the migration's start to a second after it completed.
    packets = [p for p in rdpcap(client_pcap) if IP in p and ICMP in p]
    ids = {}
    for p in packets:
        if p[ICMP].type == 8:
            ids[p[ICMP].id] = ids.get(p[ICMP].id, 0) + 1
    ping_id = max(ids, key=ids.get) if ids else None
    sent = {}
    replies = {}
    for p in packets:
        icmp = p[ICMP]
        if icmp.id != ping_id:
            continue
        t = float(p.time)
        if icmp.type == 8 and p[IP].dst == vm_ip:
            if start <= t <= done + 1.0:
                sent.setdefault(icmp.seq, t)
        elif icmp.type == 0 and p[IP].src == vm_ip:
            replies[icmp.seq] = replies.get(icmp.seq, 0) + 1
    lost = sorted(s for s in sent if s not in replies)
    at_port = set()
    ports = [] if "--no-ports" in sys.argv else [src_pcap, dest_pcap]
    for path in ports:
        for p in rdpcap(path):
            if IP in p and ICMP in p and p[ICMP].type == 8 \
               and p[ICMP].id == ping_id:
                at_port.add(p[ICMP].seq)
    network_lost = [s for s in lost if s not in at_port]
    dups = sum(n - 1 for seq, n in replies.items() if n > 1 and seq in sent)

    first_rarp = first_to_vm = None
    for p in (rdpcap(dest_pcap) if ports else []):
        if Ether not in p:
            continue
        t = float(p.time)
        if p[Ether].type == 0x8035 and p[Ether].src.lower() == vm_mac:
            if first_rarp is None:
                first_rarp = t
        elif p[Ether].dst.lower() == vm_mac and first_to_vm is None:
            first_to_vm = t
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
    if "--json" in sys.argv:
        print(json.dumps(result))
    else:
        print(" ".join("%s=%s" % (k, v) for k, v in result.items()
                       if k != "network_lost_seqs"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
