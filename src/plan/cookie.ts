import { createHash } from 'node:crypto';

/** The top 16 bits of every cookie name the agent that owns the flow. */
export const TAG_MASK = 0xffff_0000_0000_0000n;
const PAIR_MASK = 0x0000_ffff_ffff_ffffn;

export function tagCookie(tag: number): bigint {
  return BigInt(tag & 0xffff) << 48n;
}

/**
 * A pair id stable across agent restarts for the same bridge and the same two channels,
 * so a restarted agent recognises flows it installed before and leaves them untouched.
 * Never 0, so a cookie is never just the tag (which would look like a mask query).
 */
export function pairCookie(tag: number, bridgeId: string, channelIds: readonly [string, string]): bigint {
  const [a, b] = [...channelIds].sort();
  const digest = createHash('sha256').update(`${bridgeId}\u0000${a}\u0000${b}`).digest();
  let id = digest.readBigUInt64BE(0) & PAIR_MASK;
  if (id === 0n) id = 1n;
  return tagCookie(tag) | id;
}

export function cookieTag(cookie: bigint): number {
  return Number(cookie >> 48n);
}

export function formatCookie(cookie: bigint): string {
  return `0x${cookie.toString(16).padStart(16, '0')}`;
}
