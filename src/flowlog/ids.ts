/**
 * Names in the flow-log world: the flow log's resource ID, its GUID, and the blob path of one
 * NIC's hour of records.
 *
 * Blob layout (Azure "Virtual network flow logs", storage; domain.md §3), container
 * `insights-logs-flowlogflowevent`:
 *   flowLogResourceID=/SUBSCRIPTIONS/{SUB}/RESOURCEGROUPS/NETWORKWATCHERRG/PROVIDERS/MICROSOFT.NETWORK/
 *   NETWORKWATCHERS/NETWORKWATCHER_{REGION}/FLOWLOGS/{NAME}/y={YYYY}/m={MM}/d={DD}/h={HH}/m=00/
 *   macAddress={MAC}/PT1H.json
 * Azure writes the resource ID upper-case in both the path and the record; so do we.
 */
import { createHash } from "node:crypto";
import { isFlowLogMac } from "./schema.js";

/** The storage container of VNet flow logs (Azure "Virtual network flow logs", storage). */
export const FLOW_LOG_CONTAINER = "insights-logs-flowlogflowevent";
/** The blob name: one per NIC per hour (Azure "Virtual network flow logs", storage). */
export const FLOW_LOG_BLOB_NAME = "PT1H.json";
/** The resource group Network Watcher creates by default (Azure Network Watcher, "Enable Network Watcher"). */
export const NETWORK_WATCHER_RESOURCE_GROUP = "NetworkWatcherRG";

/** Characters allowed in one segment of a resource ID we turn into a path (Azure resource naming rules, upper-cased). */
const SEGMENT_RE = /^[A-Z0-9_.()-]+$/;
const RESOURCE_ID_RE =
  /^\/SUBSCRIPTIONS\/([^/]+)\/RESOURCEGROUPS\/([^/]+)\/PROVIDERS\/MICROSOFT\.NETWORK\/NETWORKWATCHERS\/([^/]+)\/FLOWLOGS\/([^/]+)$/;

export interface FlowLogResourceIdParts {
  subscriptionId: string;
  /** Azure region name, e.g. "eastus"; the watcher is NetworkWatcher_{region}. */
  region: string;
  /** The flow log's name. */
  name: string;
  resourceGroup?: string;
}

function checkSegment(what: string, value: string): string {
  const upper = value.toUpperCase();
  if (!SEGMENT_RE.test(upper) || upper === "." || upper === "..") {
    throw new TypeError(
      `flow log resource ID: "${what}" expected letters, digits, "_", ".", "-", "(", ")", got ${JSON.stringify(value)}`,
    );
  }
  return upper;
}

/** The flow log's resource ID, upper-case as Azure writes it in flow log records. */
export function flowLogResourceId(parts: FlowLogResourceIdParts): string {
  const sub = checkSegment("subscriptionId", parts.subscriptionId);
  const rg = checkSegment("resourceGroup", parts.resourceGroup ?? NETWORK_WATCHER_RESOURCE_GROUP);
  const watcher = checkSegment("region", `NetworkWatcher_${parts.region}`);
  const name = checkSegment("name", parts.name);
  return `/SUBSCRIPTIONS/${sub}/RESOURCEGROUPS/${rg}/PROVIDERS/MICROSOFT.NETWORK/NETWORKWATCHERS/${watcher}/FLOWLOGS/${name}`;
}

/**
 * Upper-cases and checks a flow log resource ID; throws when it is not
 * /SUBSCRIPTIONS/../RESOURCEGROUPS/../PROVIDERS/MICROSOFT.NETWORK/NETWORKWATCHERS/../FLOWLOGS/..
 * or a segment could escape the output directory.
 */
export function canonicalFlowLogResourceId(id: string): string {
  const upper = id.toUpperCase();
  const m = RESOURCE_ID_RE.exec(upper);
  if (m === null) {
    throw new TypeError(
      `flowLogResourceID expected "/SUBSCRIPTIONS/{sub}/RESOURCEGROUPS/{rg}/PROVIDERS/MICROSOFT.NETWORK/NETWORKWATCHERS/{watcher}/FLOWLOGS/{name}", got ${JSON.stringify(id)}`,
    );
  }
  for (const [i, what] of ["subscription", "resource group", "network watcher", "flow log name"].entries()) {
    checkSegment(what, m[i + 1] ?? "");
  }
  return upper;
}

/**
 * The flowLogGUID of a flow log resource. Azure assigns it once per resource; we derive it from
 * the resource ID (SHA-256, first 16 bytes, shaped as an RFC 9562 §5.8 version 8 UUID) so the
 * same resource always has the same GUID and runs stay byte-identical.
 */
export function flowLogGuid(resourceId: string): string {
  const h = createHash("sha256").update("vnetsim flowLogGUID\0").update(resourceId.toUpperCase()).digest();
  const b = Uint8Array.from(h.subarray(0, 16));
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x80; // version 8 (RFC 9562 §5.8)
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80; // variant 10 (RFC 9562 §4.1)
  const hex = Buffer.from(b).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function two(n: number): string {
  return String(n).padStart(2, "0");
}

/** The UTC hour bucket of an ISO time, as the y=/m=/d=/h=/m=00 path part. */
export function hourPathPart(timeIso: string): string {
  const ms = Date.parse(timeIso);
  if (!Number.isFinite(ms)) throw new TypeError(`record "time" expected an ISO 8601 UTC time, got ${JSON.stringify(timeIso)}`);
  const d = new Date(ms);
  return `y=${d.getUTCFullYear()}/m=${two(d.getUTCMonth() + 1)}/d=${two(d.getUTCDate())}/h=${two(d.getUTCHours())}/m=00`;
}

/**
 * The blob path of one record, relative to the output directory, with "/" separators:
 * insights-logs-flowlogflowevent/flowLogResourceID=/SUBSCRIPTIONS/.../y=YYYY/m=MM/d=DD/h=HH/m=00/macAddress=MAC/PT1H.json
 */
export function blobRelativePath(record: { flowLogResourceID: string; time: string; macAddress: string }): string {
  const id = canonicalFlowLogResourceId(record.flowLogResourceID);
  if (!isFlowLogMac(record.macAddress)) {
    throw new TypeError(`record "macAddress" expected 12 upper-case hex digits, got ${JSON.stringify(record.macAddress)}`);
  }
  return `${FLOW_LOG_CONTAINER}/flowLogResourceID=${id}/${hourPathPart(record.time)}/macAddress=${record.macAddress}/${FLOW_LOG_BLOB_NAME}`;
}
