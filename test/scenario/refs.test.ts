import { describe, expect, it } from "vitest";
import { parseScenario, ScenarioError } from "../../src/scenario/index.js";

// A small valid base; each case appends sections that break one reference rule.
const BASE = `name: refs
vnets:
  - name: vnet-a
    region: westeurope
    addressSpace: [10.0.0.0/16]
    subnets:
      - { name: default, prefix: 10.0.1.0/24 }
      - { name: other, prefix: 10.0.2.0/24 }
  - name: vnet-b
    region: westeurope
    addressSpace: [10.1.0.0/16]
    subnets:
      - { name: default, prefix: 10.1.1.0/24 }
`;

function problems(extra: string): string[] {
  try {
    parseScenario(BASE + extra, "t.yaml");
  } catch (e) {
    if (e instanceof ScenarioError) return e.issues.map((i) => `${i.line}:${i.column} ${i.path}: ${i.message}`);
    throw e;
  }
  return [];
}

describe("reference checks", () => {
  it("the base is valid", () => {
    expect(problems("")).toEqual([]);
  });

  it.each([
    ["VNet address spaces overlapping within one VNet",
      "  - { name: vnet-c, region: westeurope, addressSpace: [10.5.0.0/16, 10.5.1.0/24] }\n",
      ['14:69 vnets[2].addressSpace[1]: "10.5.1.0/24" overlaps 10.5.0.0/16 of the same VNet']],
    ["enabledAt while encryption is off",
      "  - { name: vnet-c, region: westeurope, addressSpace: [10.5.0.0/16], encryption: { enabled: false, enabledAt: -1h } }\n",
      ['14:111 vnets[2].encryption.enabledAt: "-1h" is set but encryption is not enabled']],
    ["a peering direction given twice",
      "peerings:\n  - { between: [vnet-a, vnet-b] }\n  - { from: vnet-b, to: vnet-a }\n",
      ['16:25 peerings[1].to: "vnet-b->vnet-a" is already used by peering peerings[0]']],
    ["NICs of one VM in two VNets",
      "vms:\n  - name: vm-1\n    size: Standard_D4s_v5\n    nics:\n      - { name: n0, ipConfigs: [{ name: c1, subnet: vnet-a/default }] }\n      - { name: n1, ipConfigs: [{ name: c1, subnet: vnet-b/default }] }\n",
      ["18:7 vms[0].nics: has IP configurations in several VNets (vnet-a, vnet-b); all NICs of a VM must be in one VNet"]],
    ["two primary IP configurations and a duplicate IP configuration name",
      "vms:\n  - name: vm-1\n    size: Standard_D4s_v5\n    nics:\n      - name: n0\n        ipConfigs:\n          - { name: c1, subnet: vnet-a/default, primary: true }\n          - { name: c1, subnet: vnet-a/default, primary: true }\n",
      ['21:21 vms[0].nics[0].ipConfigs[1].name: "c1" is already used by IP configuration vms[0].nics[0].ipConfigs[0]',
        "21:58 vms[0].nics[0].ipConfigs[1].primary: true is a second primary IP configuration of NIC n0 (expected exactly one)"]],
    ["a duplicate explicit MAC",
      'vms:\n  - { name: vm-1, size: Standard_D4s_v5, subnet: vnet-a/default, mac: "00224801ABCD" }\n  - { name: vm-2, size: Standard_D4s_v5, subnet: vnet-a/default, mac: "00224801abcd" }\n',
      ['16:71 vms[1].mac: "00224801ABCD" is already the MAC address of vm-1/vm-1-nic0']],
    ["a MAC written as a number",
      "vms:\n  - { name: vm-1, size: Standard_D4s_v5, subnet: vnet-a/default, mac: 002248011234 }\n",
      ['15:71 vms[0].mac: 2248011234 is not a string (quote a MAC address in YAML, e.g. "00224801ABCD")']],
    ["a public IP inside a VNet, and one that an external endpoint also uses",
      "vms:\n  - { name: vm-1, size: Standard_D4s_v5, subnet: vnet-a/default, publicIp: 10.1.1.9 }\n  - { name: vm-2, size: Standard_D4s_v5, subnet: vnet-a/default, publicIp: 20.1.1.1 }\nexternals:\n  - { name: ext, ip: 20.1.1.1 }\n",
      ['15:76 vms[0].publicIp: "10.1.1.9" is inside the address space of VNet vnet-b (expected a public address)',
        '18:22 externals[0].ip: "20.1.1.1" is already used by public IP of vm-2 (vms[1])']],
    ["a load balancer frontend outside every subnet of its VNet",
      "vms:\n  - { name: vm-1, size: Standard_D4s_v5, subnet: vnet-a/default }\nloadBalancers:\n  - { name: ilb, vnet: vnet-a, frontendIp: 10.0.9.9, backends: [vm-1] }\n",
      ['17:44 loadBalancers[0].frontendIp: "10.0.9.9" is not in any subnet of VNet vnet-a']],
    ["a load balancer in an unknown VNet, with an unknown IP configuration",
      "vms:\n  - { name: vm-1, size: Standard_D4s_v5, subnet: vnet-a/default }\nloadBalancers:\n  - { name: ilb, vnet: vnet-q, frontendIp: 10.0.1.99, backends: [{ vm: vm-1, ipConfig: cfg }] }\n",
      ['17:24 loadBalancers[0].vnet: "vnet-q" is not a known VNet (did you mean "vnet-a"?)',
        '17:88 loadBalancers[0].backends[0].ipConfig: "cfg" is not a known IP configuration of vm-1/vm-1-nic0']],
    ["a PaaS host of an unsupported size name and an IP outside its subnet",
      "paas:\n  - { name: sql, size: Standard_E8s_v9, subnet: vnet-a/other, ip: 10.0.1.4 }\n",
      ['15:24 paas[0].size: "Standard_E8s_v9" is not in the size catalog (series "Esv9"); describe the series under "sizes:"',
        '15:67 paas[0].ip: "10.0.1.4" is not in subnet vnet-a/other (10.0.2.0/24)']],
    ["an appliance in an unknown subnet",
      "appliances:\n  - { name: fw, kind: azure-firewall-premium, subnet: vnet-a/AzureFirewallSubnet }\n",
      ['15:55 appliances[0].subnet: "vnet-a/AzureFirewallSubnet" is not a known subnet: vnet-a has no subnet "AzureFirewallSubnet"']],
    ["AKS: pod subnet with a non-Azure-CNI plugin, control plane inside a VNet, pod IP outside the pod CIDR",
      "aks:\n  - name: k\n    vnet: vnet-a\n    networkPlugin: kubenet\n    nodeSubnet: vnet-a/default\n    podSubnet: vnet-a/other\n    podCidr: 172.16.0.0/16\n    controlPlaneIp: 10.1.1.200\n    nodePools: [{ name: p, size: Standard_D2s_v5, count: 1 }]\n    pods: [{ name: web, node: k-p-0, ip: 172.17.0.5 }]\n",
      ['19:16 aks[0].podSubnet: "vnet-a/other" is only used with networkPlugin "azure" (dynamic pod IP assignment), not "kubenet"',
        '21:21 aks[0].controlPlaneIp: "10.1.1.200" is inside VNet vnet-b (the managed control plane is outside every VNet)',
        '23:42 aks[0].pods[0].ip: "172.17.0.5" is not in the pod CIDR 172.16.0.0/16 of k']],
    ["AKS: node subnet in another VNet, pod CIDR with plugin azure, duplicate pod",
      "aks:\n  - name: k\n    vnet: vnet-a\n    nodeSubnet: vnet-b/default\n    podCidr: 172.16.0.0/16\n    nodePools: [{ name: p, size: Standard_D2s_v5, count: 1 }]\n    pods: [{ name: web, node: k-p-0 }, { name: web, node: k-p-0 }]\n",
      ['17:17 aks[0].nodeSubnet: "vnet-b/default" is not in the cluster\'s VNet vnet-a',
        '18:14 aks[0].podCidr: "172.16.0.0/16" is only used with networkPlugin azure-overlay, kubenet or byocni',
        '20:48 aks[0].pods[1].name: "web" is already used by pod aks[0].pods[0]']],
    ["AKS: explicit pod IP already taken by a VM",
      "vms:\n  - { name: vm-1, size: Standard_D4s_v5, subnet: vnet-a/default, ip: 10.0.1.4 }\naks:\n  - name: k\n    vnet: vnet-a\n    nodeSubnet: vnet-a/other\n    podSubnet: vnet-a/default\n    nodePools: [{ name: p, size: Standard_D2s_v5, count: 1 }]\n    pods: [{ name: web, node: k-p-0, ip: 10.0.1.4 }]\n",
      ['22:42 aks[0].pods[0].ip: "10.0.1.4" is already used by vm-1 (vms[0])']],
    ["scale set hosts in another region",
      "hosts:\n  - { name: h-north, region: northeurope }\nscaleSets:\n  - { name: ss, size: Standard_D2s_v5, instances: 2, subnet: vnet-a/default, hosts: [h-north] }\n",
      ['17:86 scaleSets[0].hosts[0]: "h-north" is in region northeurope, but ss_0 is in a VNet in region westeurope']],
    ["a duplicate host and a duplicate underlay address",
      "hosts:\n  - { name: h1, region: westeurope, underlayIp: 100.64.0.9 }\n  - { name: h1, region: westeurope }\n  - { name: h2, region: westeurope, underlayIp: 100.64.0.9 }\n",
      ['16:13 hosts[1].name: "h1" is already used by host hosts[0]',
        '17:49 hosts[2].underlayIp: "100.64.0.9" is already used by host h1 (hosts[0])']],
    ["all-pairs over an unknown VNet",
      "traffic:\n  - { pattern: all-pairs, name: mesh, vnet: vnet-x }\n",
      ['15:45 traffic[0].vnet: "vnet-x" is not a known VNet (did you mean "vnet-a"?)']],
    ["a flow field that belongs to the other form",
      "vms:\n  - { name: vm-1, size: Standard_D4s_v5, subnet: vnet-a/default }\ntraffic:\n  - { pattern: all-pairs, name: mesh, vnet: vnet-a, from: vm-1 }\n  - { from: vm-1, to: 8.8.8.8, vnet: vnet-a }\n",
      ["17:59 traffic[0].from: \"vm-1\" cannot be used with pattern all-pairs",
        '18:38 traffic[1].vnet: "vnet-a" is only used with pattern all-pairs']],
    ["an unknown node in a pod list does not hide the pod's other problems",
      "aks:\n  - name: k\n    vnet: vnet-a\n    nodeSubnet: vnet-a/default\n    nodePools: [{ name: p, size: Standard_D2s_v5, count: 1 }]\n    pods: [{ name: web, node: k-p-7, ip: 10.0.2.4 }]\n",
      ['19:31 aks[0].pods[0].node: "k-p-7" is not a known node of k (did you mean "k-p-0"?)',
        '19:42 aks[0].pods[0].ip: "10.0.2.4" is not in subnet vnet-a/default (10.0.1.0/24)']],
  ])("%s", (_title, extra, expected) => {
    expect(problems(extra)).toEqual(expected);
  });
});
