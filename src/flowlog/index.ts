/** Azure Network Watcher VNet flow logs (version 4): aggregation, blob writer, reader and queries. */
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
