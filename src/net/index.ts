export { NetError, type NetErrorCode, type NetErrorReason } from './errors.js';
export {
  IpCommand,
  execFileRunner,
  type CommandRunner,
  type IpCommandOptions,
  type RunOutcome,
} from './ip-command.js';
export {
  NextHopResolver,
  type NextHop,
  type NextHopState,
  type NextHopResolverOptions,
  type NextHopResolverEvents,
  type RefreshResult,
  type Solicitor,
} from './next-hop.js';
export {
  NeighMonitor,
  type NeighMonitorOptions,
  type NeighMonitorStatus,
  type MonitorProcess,
  type MonitorSpawner,
} from './neigh-monitor.js';
export { DiscardPortSolicitor, type SocketFactory } from './solicit.js';
export {
  InterfaceAddresses,
  resolveWildcard,
  type DeviceAddresses,
  type LocalAddressResolution,
} from './interface-addresses.js';
export { USABLE_NEIGH_STATES, type UsableNeighState } from './neigh-state.js';
export type { NeighbourTarget } from './parse-route.js';
