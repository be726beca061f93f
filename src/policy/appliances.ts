/**
 * Appliances and VNet encryption, as data (domain.md §2 scenario table). Microsoft's documentation
 * on appliances has changed over time, so these are only defaults: `Appliance.encryptionSupported`
 * in the topology is what the policy reads, and scenarios may override it.
 */
import type { ApplianceKind } from "../topology/model.js";

export interface ApplianceFacts {
  /** Default for Appliance.encryptionSupported. */
  encryptionSupported: boolean;
  /**
   * The VNet encryption documentation lists this feature as not supported in an encrypted VNet
   * ("Limitations" 4 and 5: DNS Private Resolver, Private Link); otherwise the appliance is a
   * supported scenario whose own traffic may or may not be encrypted.
   */
  unsupportedInEncryptedVnet: boolean;
  /** Human name for messages. */
  title: string;
}

export const APPLIANCE_FACTS: Readonly<Record<ApplianceKind, ApplianceFacts>> = Object.freeze({
  "expressroute-gateway": { encryptionSupported: false, unsupportedInEncryptedVnet: false, title: "ExpressRoute gateway" },
  "application-gateway": { encryptionSupported: false, unsupportedInEncryptedVnet: false, title: "Application Gateway" },
  "azure-firewall-standard": { encryptionSupported: false, unsupportedInEncryptedVnet: false, title: "Azure Firewall Standard" },
  "azure-firewall-premium": { encryptionSupported: true, unsupportedInEncryptedVnet: false, title: "Azure Firewall Premium" },
  "dns-private-resolver": { encryptionSupported: false, unsupportedInEncryptedVnet: true, title: "Azure DNS Private Resolver" },
  "private-link-service": { encryptionSupported: false, unsupportedInEncryptedVnet: true, title: "Private Link service" },
  "private-endpoint": { encryptionSupported: false, unsupportedInEncryptedVnet: true, title: "private endpoint" },
});

export const APPLIANCE_KINDS: readonly ApplianceKind[] = Object.freeze(Object.keys(APPLIANCE_FACTS) as ApplianceKind[]);
