import type { Agent } from '../src/agent.js';
import { PacedFlowPort } from '../src/switch/paced-port.js';

/** The agent's switch write path (batches and pacing), for its statistics. */
export function pacerOf(agent: Agent): PacedFlowPort {
  const port = agent.engine.reconciler.port;
  if (!(port instanceof PacedFlowPort)) throw new Error('the agent does not write through a PacedFlowPort');
  return port;
}
