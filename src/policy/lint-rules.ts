/**
 * The linter's rules: stable codes (never renumbered; retired codes are not reused), one per
 * documented limitation of Azure Virtual Network encryption (Azure doc "What is Azure Virtual
 * Network encryption?", sections Requirements and Limitations; domain.md §1-2).
 *
 * | code   | id                                   | severity | what it finds                                                  |
 * |--------|--------------------------------------|----------|----------------------------------------------------------------|
 * | VNE001 | private-link-in-encrypted-vnet       | error    | Private Link service / private endpoint in an encrypted VNet    |
 * | VNE002 | dns-resolver-in-encrypted-vnet       | error    | Azure DNS Private Resolver in an encrypted VNet                |
 * | VNE003 | confidential-size-in-encrypted-vnet  | warning  | confidential computing size in an encrypted VNet               |
 * | VNE004 | ilb-mixed-sizes                      | error    | ILB backends of supported and unsupported sizes                |
 * | VNE005 | ilb-secondary-ip-config              | error    | ILB backend on a NIC secondary IP configuration                |
 * | VNE006 | vm-needs-restart                     | warning  | running VM started before encryption was enabled               |
 * | VNE007 | size-unsupported-in-encrypted-vnet   | warning  | VM size without VNet encryption support (or unknown)           |
 * | VNE008 | accelerated-networking-off           | warning  | NIC with Accelerated Networking off in an encrypted VNet       |
 * | VNE009 | drop-unencrypted-not-ga              | warning  | DropUnencrypted chosen (needs a subscription feature; not GA)  |
 * | VNE010 | peering-missing-reverse              | error    | peering without its reverse direction: no traffic passes       |
 * | VNE011 | peering-to-unencrypted-vnet          | warning  | peering between an encrypted VNet and one with encryption off  |
 * | VNE012 | aks-pod-subnet-in-encrypted-vnet     | warning  | AKS with a pod subnet (dynamic pod IP): pod traffic plaintext  |
 * | VNE013 | appliance-not-encrypted              | warning  | ExpressRoute gw / App Gateway / Firewall Standard in the path  |
 * | VNE014 | duplicate-address                    | warning  | two resources share one IP address (the first one wins)        |
 */
export type LintSeverity = "error" | "warning" | "info";

export interface LintRule {
  code: string;
  id: string;
  severity: LintSeverity;
  summary: string;
}

function rule(code: string, id: string, severity: LintSeverity, summary: string): LintRule {
  return Object.freeze({ code, id, severity, summary });
}

export const LINT_RULES = Object.freeze({
  VNE001: rule("VNE001", "private-link-in-encrypted-vnet", "error", "VNets with a Private Link service or private endpoint don't support VNet encryption; it should not be enabled there."),
  VNE002: rule("VNE002", "dns-resolver-in-encrypted-vnet", "error", "VNets with encryption enabled don't support Azure DNS Private Resolver."),
  VNE003: rule("VNE003", "confidential-size-in-encrypted-vnet", "warning", "VNet encryption shouldn't be enabled in VNets that have confidential computing sizes."),
  VNE004: rule("VNE004", "ilb-mixed-sizes", "error", "All VMs behind an internal load balancer must be of a size that supports VNet encryption."),
  VNE005: rule("VNE005", "ilb-secondary-ip-config", "error", "An internal load balancer backend on a NIC secondary IPv4 configuration is not supported."),
  VNE006: rule("VNE006", "vm-needs-restart", "warning", "A VM running since before encryption was enabled keeps sending plaintext until it is stopped and started."),
  VNE007: rule("VNE007", "size-unsupported-in-encrypted-vnet", "warning", "Traffic to and from VMs of unsupported sizes is not encrypted."),
  VNE008: rule("VNE008", "accelerated-networking-off", "warning", "Accelerated Networking must be enabled on the NIC for its traffic to be encrypted."),
  VNE009: rule("VNE009", "drop-unencrypted-not-ga", "warning", "DropUnencrypted is not generally available; AllowUnencrypted is the only supported enforcement."),
  VNE010: rule("VNE010", "peering-missing-reverse", "error", "A VNet peering passes traffic only when both directions exist."),
  VNE011: rule("VNE011", "peering-to-unencrypted-vnet", "warning", "Traffic across a peering to a VNet with encryption off is not encrypted."),
  VNE012: rule("VNE012", "aks-pod-subnet-in-encrypted-vnet", "warning", "With Azure CNI dynamic pod IP assignment (podSubnetId) node traffic is encrypted but pod traffic is not."),
  VNE013: rule("VNE013", "appliance-not-encrypted", "warning", "Traffic to or through this appliance is not encrypted."),
  VNE014: rule("VNE014", "duplicate-address", "warning", "Two resources have the same IP address; the policy resolves the address to the first one."),
} as const);

export type LintCode = keyof typeof LINT_RULES;
