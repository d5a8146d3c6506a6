/**
 * The bridges an AMI session knows: from BridgeCreate/Destroy/Enter and every listing. Holds
 * the full listing (BridgeList joined with CoreShowChannels, or BridgeInfo per bridge when
 * CoreShowChannels is refused) and the two technology reads TechnologyQuery runs on.
 */

import type { BridgeSnapshot, BridgeTechnology, PbxEvent } from '../../model/pbx.js';
import type { MalformedTally } from '../shared/malformed-inputs.js';
import {
  bridgeIdsFromList,
  joinBridgesAndChannels,
  snapshotFromBridgeInfo,
  type ListingProblem,
} from './bridge-listing.js';
import { AmiError } from './errors.js';
import type { AmiAction } from './connection-types.js';
import type { AmiListResult } from './list-action.js';

/** The requests this part makes. */
export interface BridgeRequests {
  requestList(action: AmiAction): Promise<AmiListResult>;
}

export class AmiBridgeRegistry {
  readonly #known = new Set<string>();

  constructor(
    private readonly ami: BridgeRequests,
    private readonly malformed: MalformedTally,
  ) {}

  get size(): number {
    return this.#known.size;
  }

  clear(): void {
    this.#known.clear();
  }

  /** Keeps the known set current from the events that create, destroy or fill bridges. */
  track(event: PbxEvent): void {
    if (event.kind === 'bridge-created' || event.kind === 'channel-entered') this.#known.add(event.bridgeId);
    else if (event.kind === 'bridge-destroyed') this.#known.delete(event.bridgeId);
  }

  async list(): Promise<BridgeSnapshot[]> {
    const [bridges, channels] = await Promise.all([
      this.ami.requestList({ Action: 'BridgeList' }),
      this.ami.requestList({ Action: 'CoreShowChannels' }).catch((err: unknown) => {
        if (err instanceof AmiError) return null; // refused (permissions): fall back below
        throw err;
      }),
    ]);
    let snapshots: BridgeSnapshot[];
    if (channels) {
      const joined = joinBridgesAndChannels(bridges, channels);
      this.reportProblems(joined.problems);
      snapshots = joined.snapshots;
    } else {
      snapshots = await this.#listByBridgeInfo(bridges);
    }
    this.#known.clear();
    for (const s of snapshots) this.#known.add(s.id);
    return snapshots;
  }

  async #listByBridgeInfo(bridges: AmiListResult): Promise<BridgeSnapshot[]> {
    const { ids, problems } = bridgeIdsFromList(bridges);
    this.reportProblems(problems);
    const infos = await Promise.all(
      [...ids].map((id) =>
        this.ami.requestList({ Action: 'BridgeInfo', BridgeUniqueid: id }).catch((err: unknown) => {
          if (isNotFound(err)) return null; // gone between the two requests
          throw err;
        }),
      ),
    );
    const snapshots: BridgeSnapshot[] = [];
    for (const info of infos) {
      if (!info) continue;
      const r = snapshotFromBridgeInfo(info);
      this.reportProblems(r.problems);
      if (r.snapshot) snapshots.push(r.snapshot);
    }
    return snapshots;
  }

  /** One bridge's technology (BridgeInfo); null when it is gone or the reply lacks it. */
  async technologyOf(bridgeId: string): Promise<{ technology: BridgeTechnology | null; bytes: number }> {
    try {
      const info = await this.ami.requestList({ Action: 'BridgeInfo', BridgeUniqueid: bridgeId });
      const technology = info.complete.get('BridgeTechnology')?.trim();
      if (!technology) {
        this.malformed.note('BridgeTechnology', `${info.complete.eventName ?? ''}: missing`);
        return { technology: null, bytes: info.bytes };
      }
      return { technology, bytes: info.bytes };
    } catch (err) {
      if (isNotFound(err)) {
        this.#known.delete(bridgeId);
        return { technology: null, bytes: 0 };
      }
      throw err;
    }
  }

  /** The bridges mixing natively now: one filtered BridgeList. */
  async nativeBridges(): Promise<{ ids: ReadonlySet<string>; bytes: number }> {
    // BridgeType is compared with the technology name in send_bridge_list_item_cb.
    const list = await this.ami.requestList({ Action: 'BridgeList', BridgeType: 'native_rtp' });
    const { ids, problems } = bridgeIdsFromList(list);
    this.reportProblems(problems);
    for (const id of ids) this.#known.add(id);
    return { ids, bytes: list.bytes };
  }

  reportProblems(problems: readonly ListingProblem[]): void {
    for (const p of problems) this.malformed.note('list item', `${p.eventName}: ${p.problems.join('; ')}`);
  }
}

/** BridgeInfo on an unknown bridge: `Response: Error`, `Message: Bridge <id> not found`. */
function isNotFound(err: unknown): boolean {
  return err instanceof AmiError && /not found/i.test(err.amiMessage);
}
