export type * from "./topology/model.js";
