/**
 * A one-entry cache of a subarray view. Native and noble AEAD calls need a Uint8Array that is
 * exactly the region to write; making it with subarray() allocates a small JS object per record.
 * A session that seals into the same buffer at the same offset with the same length (the steady
 * state of fixed-size packets, wireguard-go style) gets the same view back and allocates nothing;
 * any other call costs one subarray, as before.
 */
export class ViewCache {
  private buf: Uint8Array | null = null;
  private start = 0;
  private end = 0;
  private view: Uint8Array | null = null;

  get(buf: Uint8Array, start: number, end: number): Uint8Array {
    if (buf === this.buf && start === this.start && end === this.end && this.view !== null) return this.view;
    const view = buf.subarray(start, end);
    this.buf = buf;
    this.start = start;
    this.end = end;
    this.view = view;
    return view;
  }
}
