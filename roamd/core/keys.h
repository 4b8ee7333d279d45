/*
 * Copyright (c) 2026 The roam authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at:
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */

#ifndef ROAM_KEYS_H
#define ROAM_KEYS_H 1

/* Every external_ids key roam reads or writes, in one place.
 *
 * Keys that OVS or libvirt own are read, never written.  roam's own keys
 * carry a "roam-" prefix. */

/* Interface external_ids written by libvirt (read only). */
#define OVS_KEY_IFACE_ID      "iface-id"
#define OVS_KEY_ATTACHED_MAC  "attached-mac"
#define OVS_KEY_VM_ID         "vm-id"
#define OVS_KEY_IFACE_STATUS  "iface-status"

/* Interface external_ids written by the orchestrator for roam: the VM's
 * real IPv4 address. */
#define ROAM_KEY_IP           "roam-ip"

/* Interface external_ids written by the operator: "true" marks the bridge's
 * uplink or tunnel port, toward which a departed VM's receive rules point
 * while stragglers still arrive. */
#define ROAM_KEY_UPLINK       "roam-uplink"

/* Bridge external_ids written by roamd: the generation of roamd's desired
 * flows that the bridge holds (tests and tools wait on it). */
#define ROAM_KEY_APPLIED_GEN  "roam-applied-gen"

/* Interface external_ids written by roamd: the location sequence number at
 * which this interface last held its VM.  A port that has held the VM and
 * then sees a higher sequence number elsewhere gives the VM up instead of
 * claiming it back; a freshly plugged port has no such key and claims. */
#define ROAM_KEY_SEQ          "roam-seq"

/* Interface external_ids written by roamd: the iface-id of the VM whose
 * port this interface is, for an interface plugged without libvirt's keys
 * that "roamctl migrate --port" named (Migration.dst_port).  roamd reads it
 * as it reads libvirt's iface-id, and takes the VM's MAC and IPv4 address
 * from its VM row; it never writes libvirt's own keys. */
#define ROAM_KEY_IFACE_ID     "roam-iface-id"

/* Bridge external_ids written by the operator of a gateway: "true" marks
 * the bridge that the gateway role programs (roamd/gateway/). */
#define ROAM_KEY_GATEWAY      "roam-gateway"

/* Interface external_ids written by the operator of a gateway: "true"
 * marks the gateway bridge's port toward its datacenter's hosts. */
#define ROAM_KEY_FABRIC       "roam-fabric"

/* Interface external_ids written by the operator of a gateway: "true"
 * marks the gateway bridge's router port, the gateway host's own routed
 * interface on the datacenter's segment (toward clients beyond the WAN). */
#define ROAM_KEY_ROUTER       "roam-router"

/* Interface external_ids written by the operator of a gateway, on its
 * router port: the client-side IPv4 address (unicast or multicast) that
 * the L3-learning dummy packets of VMs arriving in the datacenter go to
 * (seed feature S4.3).  Without it, the gateway sends none. */
#define ROAM_KEY_ANNOUNCE_TO  "roam-announce-to"

/* Interface external_ids on a gateway: the number of the datacenter whose
 * gateway this tunnel port reaches. */
#define ROAM_KEY_REMOTE_DC    "roam-remote-dc"

/* Interface external_ids written by roamd on a gateway: the name of the
 * gateway host a tunnel port that roamd made reaches (tunnels.h). */
#define ROAM_KEY_TUNNEL       "roam-tunnel"

#endif /* keys.h */
