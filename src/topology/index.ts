export type * from "./model.js";
export * from "./cidr.js";
export * from "./sizes.js";
