/**
 * Counts one received RTP stream (one SSRC) by sequence number: unique packets, gaps
 * (lost), packets seen twice (duplicated) and packets older than the newest one seen
 * (reordered). A 65536-entry tag table makes duplicate detection O(1) with no
 * allocation per packet; tags carry the sequence cycle so a wrap is not a duplicate.
 */
export class SeqCounter {
  received = 0;
  unique = 0;
  duplicated = 0;
  reordered = 0;
  private readonly tags = new Uint16Array(65536);
  private started = false;
  private baseExt = 0;
  private maxExt = 0;

  /** Extended sequence number closest to the newest one seen. */
  private extend(seq: number): number {
    const cycle = this.maxExt - (this.maxExt & 0xffff);
    let ext = cycle + seq;
    if (ext - this.maxExt > 0x8000) ext -= 0x10000;
    else if (this.maxExt - ext > 0x8000) ext += 0x10000;
    return ext;
  }

  add(seq: number): void {
    this.received++;
    if (!this.started) {
      this.started = true;
      // Start one cycle up so early reordering cannot go below zero.
      this.baseExt = this.maxExt = 0x10000 + seq;
      this.tags[seq] = 1 + ((this.baseExt >>> 16) & 0x7fff);
      this.unique++;
      return;
    }
    const ext = this.extend(seq);
    const tag = 1 + ((ext >>> 16) & 0x7fff);
    if (this.tags[seq] === tag) {
      this.duplicated++;
      return;
    }
    this.tags[seq] = tag;
    this.unique++;
    if (ext > this.maxExt) this.maxExt = ext;
    else this.reordered++;
    if (ext < this.baseExt) this.baseExt = ext;
  }

  /** Packets missing between the first and the newest one seen. */
  get lost(): number {
    if (!this.started) return 0;
    return this.maxExt - this.baseExt + 1 - this.unique;
  }

  get highestSequence(): number {
    return this.maxExt & 0xffff;
  }
}
