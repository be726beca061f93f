/**
 * Azure Network Watcher VNet flow logs (version 4): aggregation, blob writer, reader and queries.
 *
 * Typical use by a run:
 *   const table = new FlowTable({ epochMs });            // epochMs: wall-clock ms of virtual t=0
 *   table.observe({ tMs, nic, direction: "O", ... });     // at the source NIC, and "I" at the destination NIC
 *   ...at each minute boundary (or only at the end):  writeFlowLogs(outDir, table.drain());
 *   table.closeAll(endMs); writeFlowLogs(outDir, table.drain());   // E tuples for flows still open
 *   writeVmMap(outDir, macToVm);                          // lets `vnetsim flows --vm NAME` work
 *   table.overflow                                        // what flowsMax/bucketsMax refused (for conservation)
 * A nic's flowLogResourceId can be built with flowLogResourceId({ subscriptionId, region, name }).
 */
export * from "./schema.js";
export * from "./ids.js";
export * from "./table.js";
export * from "./writer.js";
export {
  FlowLogReadError,
  NSG_FLOW_LOG_VERSION_2,
  READ_BLOB_BYTES_MAX,
  READ_DEPTH_MAX,
  READ_FILES_MAX,
  READ_TUPLES_MAX,
  findBlobs,
  type ReadOptions,
  parseFlowLogBlob,
  parseNsgTupleV2,
  readFlowLogs,
  type ParsedTuple,
} from "./reader.js";
export * from "./query.js";
export * from "./vmmap.js";
