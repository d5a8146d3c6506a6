import { bridgeBlock, channelBlock } from '../blocks.js';
import { getHeader } from '../message.js';
import { actionIdField, error, listAck, listComplete } from '../replies.js';
import type { ActionDef } from './table.js';

/** BridgeList and BridgeInfo (main/manager_bridges.c): any logged-in user may run them. */
export const bridgeActions: readonly ActionDef[] = [
  {
    name: 'BridgeList',
    authority: 0,
    synopsis: 'Get a list of bridges in the system.',
    run: ({ session, msg, core }) => {
      const filter = getHeader(msg, 'BridgeType');
      session.send(listAck(msg, 'Bridge listing will follow'));
      let n = 0;
      for (const b of core.bridges()) {
        // filter_bridge_type_cb compares with the technology's name, case-sensitively.
        if (filter !== '' && filter !== b.technology) continue;
        session.send([['Event', 'BridgeListItem'], ...actionIdField(msg), ...bridgeBlock(b)]);
        n++;
      }
      session.send(listComplete(msg, 'BridgeListComplete', n));
    },
  },
  {
    name: 'BridgeInfo',
    authority: 0,
    synopsis: 'Get information about a bridge.',
    run: ({ session, msg, core }) => {
      const id = getHeader(msg, 'BridgeUniqueid');
      if (id === '') {
        session.send(error(msg, 'BridgeUniqueid must be provided'));
        return;
      }
      const b = core.findBridge(id);
      if (!b) {
        session.send(error(msg, 'Specified BridgeUniqueid not found'));
        return;
      }
      session.send(listAck(msg, 'Bridge channel listing will follow'));
      // The snapshot's channel set is a sorted string container of Uniqueids
      // (ast_str_container_alloc), so items come in Uniqueid string order, not join order
      // (recorded: `….10` before `….9`). send_bridge_info_item_cb writes the channel block
      // before the ActionID.
      const members = [...b.channels].sort((x, y) => (x.uniqueid < y.uniqueid ? -1 : 1));
      for (const c of members)
        session.send([['Event', 'BridgeInfoChannel'], ...channelBlock(c), ...actionIdField(msg)]);
      session.send(listComplete(msg, 'BridgeInfoComplete', b.channels.length, bridgeBlock(b)));
    },
  },
];
