/** The res_rtp_offload adapter: reads every bridged RTP leg with one AMI list action. */
export {
  MODULE_COMPLETE_EVENT,
  MODULE_ITEM_EVENT,
  MODULE_LIST_ACTION,
  parseModulePairs,
  parsePayloadTypes,
  type ModuleGlue,
  type ModuleLearned,
  type ModuleLeg,
  type ModulePair,
  type ModulePairsParse,
} from './pairs.js';
export { parseModuleListing, splitAmiMessages } from './listing.js';
export {
  detectModule,
  isUnknownActionError,
  listCommandsHasModule,
  MODULE_MAX_FILTER_IDS,
  MODULE_MAX_LINE_BYTES,
  planModuleList,
  readModulePairs,
  type ModuleAmiConnection,
  type ModuleDetection,
  type ModuleListPlan,
  type ModuleRead,
  type ModuleReadOptions,
} from './reader.js';
