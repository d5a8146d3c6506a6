/**
 * Bridges over ARI: the full listing (`GET /bridges` then `GET /channels`; resource_bridges.c
 * lists ast_bridges(), every visible bridge) and technology reads, `GET /bridges/{id}` for a
 * few bridges (404 = gone) or one `GET /bridges` for many. The snapshot is refreshed at the
 * end of bridge_reconfigured, so either shows the current technology.
 */

import type { BridgeSnapshot, BridgeTechnology } from '../../model/pbx.js';
import type { MalformedTally } from '../shared/malformed-inputs.js';
import { AriBadResponseError, AriNotFoundError } from './errors.js';
import type { AriReply } from './http.js';
import { FieldProblems } from './json-fields.js';
import { joinBridgesAndChannels, readBridgeJson, type ListingProblem } from './resources.js';

export interface BridgeGets {
  get(path: string): Promise<AriReply>;
}

export class AriBridgeReads {
  constructor(
    private readonly http: BridgeGets,
    private readonly malformed: MalformedTally,
    /** Up to this many bridges are asked one by one. */
    private readonly singleQueryLimit: number,
  ) {}

  async list(): Promise<BridgeSnapshot[]> {
    const bridges = await this.http.get('/bridges');
    const channels = await this.http.get('/channels');
    const { snapshots, problems } = joinBridgesAndChannels(bridges.body, channels.body);
    this.#report(problems);
    return snapshots;
  }

  async technologies(bridgeIds: readonly string[]): Promise<Map<string, BridgeTechnology>> {
    const result = new Map<string, BridgeTechnology>();
    const wanted = [...new Set(bridgeIds)];
    if (wanted.length === 0) return result;
    if (wanted.length <= this.singleQueryLimit) {
      const techs = await Promise.all(wanted.map((id) => this.#technologyOf(id)));
      wanted.forEach((id, i) => {
        const t = techs[i];
        if (t) result.set(id, t);
      });
      return result;
    }
    const list = await this.http.get('/bridges');
    if (!Array.isArray(list.body)) throw new AriBadResponseError('GET /bridges', ['reply is not an array']);
    const want = new Set(wanted);
    for (const [i, item] of list.body.entries()) {
      const p = new FieldProblems();
      const b = readBridgeJson(item, p, `bridges[${i}]`);
      if (!p.ok) {
        this.#report([{ what: 'GET /bridges item', problems: p.list }]);
        continue;
      }
      if (want.has(b.id)) result.set(b.id, b.technology);
    }
    return result;
  }

  async #technologyOf(id: string): Promise<BridgeTechnology | null> {
    try {
      const reply = await this.http.get(`/bridges/${encodeURIComponent(id)}`);
      const p = new FieldProblems();
      const b = readBridgeJson(reply.body, p);
      if (!p.ok) throw new AriBadResponseError(`GET /bridges/${id}`, p.list);
      return b.technology;
    } catch (err) {
      if (err instanceof AriNotFoundError) return null;
      throw err;
    }
  }

  #report(problems: readonly ListingProblem[]): void {
    for (const p of problems) this.malformed.note(p.what, p.problems.join('; '));
  }
}
