import { describe, expect, it } from 'vitest';
import { FactReader } from '../../../src/engine/facts.js';
import { silentLogger } from '../../../src/log.js';
import { CallModel } from '../../../src/model/call-model.js';
import { rtpLeg, v4 } from '../core/fixtures.js';
import { alice, bob, ScriptedSource } from './harness.js';

function bridged(model: CallModel, id: string, a = alice, b = bob): void {
  model.apply({ kind: 'bridge-created', bridgeId: id, technology: 'simple_bridge', bridgeClass: 'basic' }, 0);
  for (const [i, ch] of [a, b].entries()) {
    model.apply(
      {
        kind: 'channel-entered',
        bridgeId: id,
        channel: ch,
        technology: 'simple_bridge',
        memberCount: i + 1,
        swapChannelId: null,
      },
      0,
    );
  }
}

describe('FactReader', () => {
  it('asks the technology before the legs, and decides a recording without waiting for the legs', async () => {
    const model = new CallModel();
    const order: string[] = [];
    let releaseLegs: () => void = () => undefined;
    const legsHeld = new Promise<void>((r) => (releaseLegs = r));
    const source = new (class extends ScriptedSource {
      override async bridgeTechnologies(ids: readonly string[]) {
        order.push('technology');
        return super.bridgeTechnologies(ids);
      }
      override async readLeg(c: Parameters<ScriptedSource['readLeg']>[0]) {
        order.push(`leg ${c.id}`);
        await legsHeld;
        return super.readLeg(c);
      }
    })();
    bridged(model, 'B');
    source.legs.set('1.1', rtpLeg('1.1', v4('0.0.0.0', 10000), v4('198.51.100.10', 4000)));
    source.legs.set('1.2', rtpLeg('1.2', v4('0.0.0.0', 10002), v4('198.51.100.11', 5000)));
    for (const id of ['1.1', '1.2']) model.setLeg(id, source.legs.get(id)!);
    model.setTechnology('B', 'native_rtp');
    // A hint: technology and legs stale; Asterisk moved the bridge to simple_bridge.
    model.apply({ kind: 'media-path-hint', channelId: '1.1' }, 0);
    source.tech.set('B', 'simple_bridge');
    await new FactReader(model, source, silentLogger).refresh('B');
    expect(order).toEqual(['technology', 'leg 1.1', 'leg 1.2']);
    expect(model.bridges.get('B')?.technology).toBe('simple_bridge');
    releaseLegs();
  });

  it('reads technology, legs and endpoint facts the model lacks', async () => {
    const model = new CallModel();
    const source = new ScriptedSource();
    bridged(model, 'B');
    source.tech.set('B', 'native_rtp');
    source.legs.set('1.1', rtpLeg('1.1', v4('0.0.0.0', 10000), v4('198.51.100.10', 4000)));
    source.legs.set('1.2', rtpLeg('1.2', v4('0.0.0.0', 10002), v4('198.51.100.11', 5000)));
    await new FactReader(model, source, silentLogger).refresh('B');
    expect(model.bridges.get('B')?.technology).toBe('native_rtp');
    expect(model.membersOf('B').map((c) => c.leg?.remote?.port)).toEqual([4000, 5000]);
    expect(model.membersOf('B').every((c) => c.facts !== null)).toBe(true);
    // Nothing missing any more: a second refresh asks Asterisk nothing.
    const before = source.requests;
    await new FactReader(model, source, silentLogger).refresh('B');
    expect(source.requests).toBe(before);
  });

  it('asks for the technologies of bridges refreshed in the same tick in one request', async () => {
    const model = new CallModel();
    const source = new ScriptedSource();
    const reader = new FactReader(model, source, silentLogger);
    source.tech.set('A', 'native_rtp');
    source.tech.set('B', 'simple_bridge');
    const techs = await Promise.all([
      reader.technologyOf('A'),
      reader.technologyOf('B'),
      reader.technologyOf('A'),
    ]);
    expect(techs).toEqual(['native_rtp', 'simple_bridge', 'native_rtp']);
    expect(source.requests).toBe(1);
  });

  it('leaves a fact that cannot be read missing instead of failing the evaluation', async () => {
    const model = new CallModel();
    const source = new ScriptedSource();
    bridged(model, 'B');
    source.bridgeTechnologies = async () => {
      throw new Error('AMI down');
    };
    await new FactReader(model, source, silentLogger).refresh('B');
    expect(model.bridges.get('B')?.technology).toBeNull();
    expect(model.membersOf('B').map((c) => c.leg)).toEqual([null, null]);
  });
});
