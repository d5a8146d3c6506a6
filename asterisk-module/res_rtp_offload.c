/*
 * res_rtp_offload -- list bridged RTP stream pairs for an RTP-offload agent
 *
 * This program is free software, distributed under the terms of
 * the GNU General Public License Version 2. See the LICENSE file
 * at the top of the source tree.
 */

/*!
 * \file
 * \brief One AMI action (RtpOffloadList) and one CLI command
 * (rtpoffload show pairs) that list every two-party bridge with the RTP facts
 * of both legs: bound and remote addresses, whether the remote was learned
 * from received RTP, glue result, whether the packet-to-packet relay is
 * active, SRTP, hold, formats and payload-type numbers, framing, SSRC,
 * video and T.38. The action can be limited to given bridge ids and channel
 * uniqueids, so that one bridge is read without listing them all.
 *
 * Everything is read with the bridge locked and then each channel locked,
 * the order bridges/bridge_native_rtp.c uses (native_rtp_bridge_compatible
 * locks the bridge, then both channels, then calls the glue). Nothing here
 * runs a dialplan function or pushes work to a SIP serializer, so no lock is
 * ever held while waiting on another thread. Output is written only after the
 * locks are released.
 */

/*** MODULEINFO
	<support_level>extended</support_level>
 ***/

#include "asterisk.h"

#include "asterisk/module.h"
#include "asterisk/astobj2.h"
#include "asterisk/bridge.h"
#include "asterisk/bridge_channel.h"
#include "asterisk/bridge_technology.h"
#include "asterisk/channel.h"
#include "asterisk/cli.h"
#include "asterisk/format.h"
#include "asterisk/format_cap.h"
#include "asterisk/frame.h"
#include "asterisk/manager.h"
#include "asterisk/netsock2.h"
#include "asterisk/rtp_engine.h"
#include "asterisk/strings.h"
#include "asterisk/utils.h"

#define ACTION_NAME "RtpOffloadList"
#define ADDR_LEN 64
/*
 * Room for about 40 typical entries ("telephone-event/48000=101,"); a list that does not fit
 * is cut after its last whole entry and flagged (PayloadTypesTruncated), never mid-entry.
 */
#define PT_LIST_LEN 1024

/*! Technology filter values of the action's Technology header and the CLI. */
#define DEFAULT_TECHNOLOGY "native_rtp"
#define ANY_TECHNOLOGY "all"

/*! What one leg's channel and RTP instance said. */
struct leg_info {
	char channel[AST_CHANNEL_NAME];
	char uniqueid[AST_MAX_UNIQUEID];
	char tech[32];
	/*! The driver registered RTP glue for this technology. */
	int has_glue;
	/*! Glue result for audio (enum ast_rtp_glue_result). */
	int glue_result;
	/*! An audio RTP instance was returned by the glue. */
	int has_rtp;
	char local[ADDR_LEN];
	char remote[ADDR_LEN];
	char target[ADDR_LEN];
	/*! "yes", "confirmed" or "no"; see learned_state(). */
	const char *learned;
	int relay;
	int srtp;
	int symmetric;
	int rtcp_mode;
	int dtmf_mode;
	int stats_ok;
	unsigned int rx_packets;
	unsigned int tx_packets;
	unsigned int remote_ssrc;
	unsigned int ssrc;
	char codec[32];
	char native_formats[128];
	char read_format[32];
	char write_format[32];
	char payload_types[PT_LIST_LEN];
	char rx_payload_types[PT_LIST_LEN];
	/*! An entry did not fit in payload_types / rx_payload_types: the list is incomplete. */
	int payload_types_truncated;
	int rx_payload_types_truncated;
	/*! Packetization in ms (SDP ptime if used, else the native format's). */
	unsigned int framing;
	/*! AST_CONTROL_HOLD if a HOLD was last indicated to this channel. */
	int hold_state;
	/*! 1 video RTP present, 0 none, -1 not asked (no glue). */
	int video;
	/*! enum ast_t38_state, or -1 when not asked (only chan_pjsip is asked). */
	int t38;
};

/*! One listed bridge. */
struct pair_info {
	char bridge_id[AST_UUID_STR_LEN];
	char technology[32];
	char bridge_class[32];
	struct leg_info legs[2];
};

static const char *glue_name(const struct leg_info *leg)
{
	if (!leg->has_glue) {
		return "none";
	}
	switch (leg->glue_result) {
	case AST_RTP_GLUE_RESULT_REMOTE:
		return "remote";
	case AST_RTP_GLUE_RESULT_LOCAL:
		return "local";
	case AST_RTP_GLUE_RESULT_FORBID:
	default:
		return "forbid";
	}
}

/*!
 * Combined mode of the pair as bridges/bridge_native_rtp.c native_rtp_bridge_start
 * decides it for audio: any FORBID (or a leg without glue) -> forbid, else any
 * LOCAL -> local, else remote (direct media).
 */
static const char *pair_mode(const struct pair_info *pair)
{
	int i;
	int local = 0;

	for (i = 0; i < 2; i++) {
		if (!pair->legs[i].has_glue || pair->legs[i].glue_result == AST_RTP_GLUE_RESULT_FORBID) {
			return "forbid";
		}
		if (pair->legs[i].glue_result == AST_RTP_GLUE_RESULT_LOCAL) {
			local = 1;
		}
	}
	return local ? "local" : "remote";
}

static const char *rtcp_name(int mode)
{
	switch (mode) {
	case AST_RTP_INSTANCE_RTCP_STANDARD:
		return "standard";
	case AST_RTP_INSTANCE_RTCP_MUX:
		return "mux";
	case AST_RTP_INSTANCE_RTCP_DISABLED:
	default:
		return "off";
	}
}

static const char *dtmf_name(int mode)
{
	switch (mode) {
	case AST_RTP_DTMF_MODE_RFC2833:
		return "rfc4733";
	case AST_RTP_DTMF_MODE_INBAND:
		return "inband";
	case AST_RTP_DTMF_MODE_NONE:
	default:
		return "none";
	}
}

static const char *t38_name(int state)
{
	switch (state) {
	case -1:
		return "unknown";
	case T38_STATE_NEGOTIATED:
		return "negotiated";
	case T38_STATE_NEGOTIATING:
		return "negotiating";
	case T38_STATE_REJECTED:
		return "rejected";
	case T38_STATE_UNKNOWN:
		/* chan_pjsip: T.38 enabled on the endpoint, nothing negotiated. */
		return "idle";
	case T38_STATE_UNAVAILABLE:
	default:
		/* chan_pjsip: T.38 not enabled on the endpoint. */
		return "unavailable";
	}
}

static void copy_addr(char *out, const struct ast_sockaddr *addr)
{
	/* ast_sockaddr_stringify prints "(null)" for an unset address (main/netsock2.c). */
	ast_copy_string(out, ast_sockaddr_stringify(addr), ADDR_LEN);
}

/*!
 * Whether the remote address came from received RTP.
 *
 * main/rtp_engine.c ast_rtp_instance_set_remote_address (requested target) resets the
 * incoming source to the SDP address, and res/res_rtp_asterisk.c ast_rtp_read changes
 * only the incoming source, and only when symmetric RTP (AST_RTP_PROPERTY_NAT) is on,
 * to the source of a packet that passed strict-RTP checks. So with symmetric RTP:
 *  - remote set and different from the target: learned from RTP ("yes");
 *  - remote equal to the target and packets counted (rxcount is raised only for
 *    accepted packets, after the strict-RTP filter): the SDP address was confirmed by
 *    received RTP ("confirmed"). A re-INVITE that moves the target after packets were
 *    counted also reads "confirmed" until the next packet; the counter is not reset.
 * Otherwise ("no") the remote is the SDP address or unset. The strict-RTP state itself
 * (learning/closed) is private to res_rtp_asterisk and cannot be read.
 */
static const char *learned_state(const struct ast_sockaddr *remote, const struct ast_sockaddr *target,
	int symmetric, int stats_ok, unsigned int rx_packets)
{
	if (!symmetric || ast_sockaddr_isnull(remote)) {
		return "no";
	}
	if (ast_sockaddr_isnull(target) || ast_sockaddr_cmp(remote, target)) {
		return "yes";
	}
	return (stats_ok && rx_packets > 0) ? "confirmed" : "no";
}

/*! What one payload-type mapping said, copied under the codecs lock. */
struct pt_copy {
	int pt;
	int asterisk_format;
	/*! With a reference, or NULL. */
	struct ast_format *format;
	int rtp_code;
	unsigned int sample_rate;
};

/*! The mappings of one direction; a payload number is below AST_RTP_MAX_PT. */
struct pt_list_copy {
	size_t count;
	struct pt_copy entries[AST_RTP_MAX_PT];
};

/*!
 * Appends "name=pt" to a comma list, only whole: an entry that does not fit leaves the list
 * as it was. Format names come from the format (ulaw, alaw, opus, ...); RTP-only codes from
 * the MIME subtype (telephone-event, CN), with the clock rate appended when it is not 8000
 * (telephone-event/48000). Called with no lock held: ast_rtp_lookup_mime_subtype2 takes
 * main/rtp_engine.c's mime_types_lock.
 * \retval 0 appended, -1 it did not fit.
 */
static int append_payload(char *buf, size_t len, const struct pt_copy *type)
{
	char name[64];
	char entry[96];
	size_t used = strlen(buf);
	int n;

	if (type->asterisk_format && type->format) {
		ast_copy_string(name, ast_format_get_name(type->format), sizeof(name));
	} else {
		/* The subtype is copied at once: it points into rtp_engine.c's mime table. */
		const char *subtype = ast_rtp_lookup_mime_subtype2(0, NULL, type->rtp_code, 0);

		if (ast_strlen_zero(subtype)) {
			snprintf(name, sizeof(name), "code%d", type->rtp_code);
		} else if (type->sample_rate && type->sample_rate != 8000) {
			snprintf(name, sizeof(name), "%s/%u", subtype, type->sample_rate);
		} else {
			ast_copy_string(name, subtype, sizeof(name));
		}
	}
	n = snprintf(entry, sizeof(entry), "%s%s=%d", used ? "," : "", name, type->pt);
	if (n < 0 || (size_t) n >= sizeof(entry) || used + (size_t) n >= len) {
		return -1;
	}
	memcpy(buf + used, entry, (size_t) n + 1);
	return 0;
}

/*!
 * Formats a copied list after the codecs lock is released, and drops the format references.
 * \retval 1 an entry did not fit (the list holds the entries before it), 0 complete.
 */
static int format_payload_list(struct pt_list_copy *list, char *buf, size_t len)
{
	size_t i;
	int truncated = 0;

	for (i = 0; i < list->count; i++) {
		if (!truncated && append_payload(buf, len, &list->entries[i])) {
			truncated = 1;
		}
		ao2_cleanup(list->entries[i].format);
		list->entries[i].format = NULL;
	}
	list->count = 0;
	return truncated;
}

/*! Copies one mapping vector (rx: the rx one, primary mappings only); called with codecs_lock held. */
static void copy_mappings(struct pt_list_copy *out, const struct ast_rtp_codecs *codecs, int rx)
{
	size_t size = rx ? AST_VECTOR_SIZE(&codecs->payload_mapping_rx) : AST_VECTOR_SIZE(&codecs->payload_mapping_tx);
	size_t pt;

	for (pt = 0; pt < size && pt < AST_RTP_MAX_PT; pt++) {
		struct ast_rtp_payload_type *type = rx ? AST_VECTOR_GET(&codecs->payload_mapping_rx, pt)
			: AST_VECTOR_GET(&codecs->payload_mapping_tx, pt);
		struct pt_copy *c;

		if (!type || (rx && !type->primary_mapping)) {
			continue;
		}
		c = &out->entries[out->count++];
		c->pt = (int) pt;
		c->asterisk_format = type->asterisk_format;
		c->format = type->format ? ao2_bump(type->format) : NULL;
		c->rtp_code = type->rtp_code;
		c->sample_rate = type->sample_rate;
	}
}

/*!
 * Payload-type numbers of both directions. payload_mapping_tx holds the numbers the
 * remote declared (what Asterisk sends it); payload_mapping_rx the numbers Asterisk
 * declared (what it accepts), of which only primary mappings are current (retired ones
 * stay for a while after a renegotiation, main/rtp_engine.c rtp_codecs_payloads_copy_rx).
 * The vectors are read directly under codecs_lock: the public lookups either fall back
 * to the static table (ast_rtp_codecs_get_payload) or assign a number when none is found
 * (ast_rtp_codecs_payload_code), which a read-only listing must not do.
 * res/res_rtp_asterisk.c bridge_p2p_rtp_write maps an incoming number through the rx
 * mapping of the receiving leg and the tx mapping of the sending one.
 *
 * Only numbers, codes, rates and format references are copied under codecs_lock; MIME
 * names are looked up after it is released. main/rtp_engine.c
 * ast_rtp_codecs_payloads_set_rtpmap_type_rate (SDP negotiation) takes mime_types_lock and
 * then codecs_lock for writing; looking a name up under codecs_lock would take them in the
 * other order, which can deadlock once a writer (a format registering, rtp_engine.c
 * ast_rtp_engine_load_format) queues on mime_types_lock with writer-preferring rwlocks.
 */
static void read_payload_types(struct ast_rtp_codecs *codecs, struct leg_info *leg)
{
	/* About 8 KB for both directions: kept off the manager session thread's stack. */
	struct pt_list_copy *tx = ast_calloc(2, sizeof(*tx));
	struct pt_list_copy *rx = tx ? tx + 1 : NULL;

	if (!tx) {
		/* Nothing could be read: an empty list flagged as truncated reads as unknown. */
		leg->payload_types_truncated = 1;
		leg->rx_payload_types_truncated = 1;
		return;
	}
	ast_rwlock_rdlock(&codecs->codecs_lock);
	copy_mappings(tx, codecs, 0);
	copy_mappings(rx, codecs, 1);
	ast_rwlock_unlock(&codecs->codecs_lock);

	leg->payload_types_truncated = format_payload_list(tx, leg->payload_types, sizeof(leg->payload_types));
	leg->rx_payload_types_truncated = format_payload_list(rx, leg->rx_payload_types,
		sizeof(leg->rx_payload_types));
	ast_free(tx);
}

/*! Reads the RTP instance facts; each ast_rtp_instance_* call locks the instance itself. */
static void read_instance(struct ast_rtp_instance *inst, struct leg_info *leg)
{
	struct ast_sockaddr local;
	struct ast_sockaddr remote;
	struct ast_sockaddr target;
	struct ast_rtp_instance_stats stats;
	struct ast_rtp_codecs *codecs;
	struct ast_format *preferred;

	ast_rtp_instance_get_local_address(inst, &local);
	ast_rtp_instance_get_remote_address(inst, &remote);
	ast_rtp_instance_get_requested_target_address(inst, &target);
	copy_addr(leg->local, &local);
	copy_addr(leg->remote, &remote);
	copy_addr(leg->target, &target);

	/* Non-NULL only while res_rtp_asterisk relays packet to packet (ast_rtp_local_bridge). */
	leg->relay = ast_rtp_instance_get_bridged(inst) != NULL;
	leg->srtp = ast_rtp_instance_get_srtp(inst, 0) != NULL;
	leg->symmetric = ast_rtp_instance_get_prop(inst, AST_RTP_PROPERTY_NAT) ? 1 : 0;
	leg->rtcp_mode = ast_rtp_instance_get_prop(inst, AST_RTP_PROPERTY_RTCP);
	leg->dtmf_mode = ast_rtp_instance_dtmf_mode_get(inst);
	leg->ssrc = ast_rtp_instance_get_ssrc(inst);

	/* res_rtp_asterisk's stat callback fails when RTCP is off; counts are then unknown. */
	memset(&stats, 0, sizeof(stats));
	if (!ast_rtp_instance_get_stats(inst, &stats, AST_RTP_INSTANCE_STAT_ALL)) {
		leg->stats_ok = 1;
		leg->rx_packets = stats.rxcount;
		leg->tx_packets = stats.txcount;
		leg->remote_ssrc = stats.remote_ssrc;
	}
	leg->learned = learned_state(&remote, &target, leg->symmetric, leg->stats_ok, leg->rx_packets);

	codecs = ast_rtp_instance_get_codecs(inst);
	if (codecs) {
		/* res_pjsip_sdp_rtp.c sets the preferred format to the negotiated one. */
		preferred = ast_rtp_codecs_get_preferred_format(codecs);
		if (preferred) {
			ast_copy_string(leg->codec, ast_format_get_name(preferred), sizeof(leg->codec));
			ao2_ref(preferred, -1);
		}
		leg->framing = ast_rtp_codecs_get_framing(codecs);
		read_payload_types(codecs, leg);
	}
}

/*! Reads one channel; called with the bridge and this channel locked. */
static void read_leg(struct ast_channel *chan, struct leg_info *leg)
{
	struct ast_rtp_glue *glue;
	struct ast_rtp_instance *inst = NULL;
	struct ast_rtp_instance *vinst = NULL;
	struct ast_str *names = ast_str_alloca(AST_FORMAT_CAP_NAMES_LEN);

	ast_copy_string(leg->channel, ast_channel_name(chan), sizeof(leg->channel));
	ast_copy_string(leg->uniqueid, ast_channel_uniqueid(chan), sizeof(leg->uniqueid));
	ast_copy_string(leg->tech, ast_channel_tech(chan)->type, sizeof(leg->tech));
	ast_copy_string(leg->native_formats, ast_format_cap_get_names(ast_channel_nativeformats(chan), &names),
		sizeof(leg->native_formats));
	if (ast_channel_readformat(chan)) {
		ast_copy_string(leg->read_format, ast_format_get_name(ast_channel_readformat(chan)),
			sizeof(leg->read_format));
	}
	if (ast_channel_writeformat(chan)) {
		ast_copy_string(leg->write_format, ast_format_get_name(ast_channel_writeformat(chan)),
			sizeof(leg->write_format));
	}
	ast_copy_string(leg->local, "(null)", sizeof(leg->local));
	ast_copy_string(leg->remote, "(null)", sizeof(leg->remote));
	ast_copy_string(leg->target, "(null)", sizeof(leg->target));
	leg->learned = "no";
	leg->hold_state = ast_channel_hold_state(chan);
	leg->video = -1;
	leg->t38 = -1;

	glue = ast_rtp_instance_get_glue(ast_channel_tech(chan)->type);
	if (!glue) {
		return;
	}
	leg->has_glue = 1;
	/*
	 * The instance comes back with a reference even when the result is FORBID
	 * (channels/chan_pjsip.c chan_pjsip_get_rtp_peer refs it before checking
	 * media_encryption), so it is always released.
	 */
	leg->glue_result = glue->get_rtp_info(chan, &inst);
	if (inst) {
		leg->has_rtp = 1;
		read_instance(inst, leg);
	}
	ao2_cleanup(inst);

	/*
	 * The codecs' framing is set only from an SDP ptime with use_ptime=yes
	 * (res_pjsip_sdp_rtp.c); otherwise the packetization is that of the format in the
	 * native caps, which is what bridge_native_rtp.c compares across the legs.
	 */
	if (!leg->framing && ast_channel_rawwriteformat(chan)) {
		leg->framing = ast_format_cap_get_format_framing(ast_channel_nativeformats(chan),
			ast_channel_rawwriteformat(chan));
	}

	if (glue->get_vrtp_info) {
		glue->get_vrtp_info(chan, &vinst);
		leg->video = vinst != NULL;
		ao2_cleanup(vinst);
	} else {
		leg->video = 0;
	}

	/*
	 * chan_pjsip answers AST_OPTION_T38_STATE from the session without the serializer
	 * (chan_pjsip.c chan_pjsip_queryoption); other drivers are not asked, because their
	 * queryoption is not known to be safe under these locks.
	 */
	if (!strcmp(leg->tech, "PJSIP")) {
		leg->t38 = ast_channel_get_t38_state(chan);
	}
}

/*!
 * Fills pair from a bridge if it has two channels and the wanted technology.
 * \retval 1 listed, 0 skipped.
 */
static int read_bridge(struct ast_bridge *bridge, const char *technology, struct pair_info *pair)
{
	struct ast_bridge_channel *bridge_channel;
	int i = 0;

	ast_bridge_lock(bridge);
	if (bridge->dissolved || bridge->num_channels != 2 || !bridge->technology
		|| (strcmp(technology, ANY_TECHNOLOGY) && strcmp(bridge->technology->name, technology))) {
		ast_bridge_unlock(bridge);
		return 0;
	}
	/* Invisible bridges are never published (main/bridge.c); do not list them either. */
	if (ast_test_flag(&bridge->feature_flags, AST_BRIDGE_FLAG_INVISIBLE)) {
		ast_bridge_unlock(bridge);
		return 0;
	}
	memset(pair, 0, sizeof(*pair));
	ast_copy_string(pair->bridge_id, bridge->uniqueid, sizeof(pair->bridge_id));
	ast_copy_string(pair->technology, bridge->technology->name, sizeof(pair->technology));
	ast_copy_string(pair->bridge_class, bridge->v_table->name, sizeof(pair->bridge_class));
	AST_LIST_TRAVERSE(&bridge->channels, bridge_channel, entry) {
		if (i >= 2) {
			break;
		}
		ast_channel_lock(bridge_channel->chan);
		read_leg(bridge_channel->chan, &pair->legs[i]);
		ast_channel_unlock(bridge_channel->chan);
		i++;
	}
	ast_bridge_unlock(bridge);
	return i == 2;
}

typedef void (*pair_cb)(const struct pair_info *pair, void *data);

/*!
 * Walks ast_bridges() with an iterator, so the container lock is held only while
 * stepping and never while a bridge or channel is locked.
 * \return number of pairs reported
 */
static int walk_pairs(const char *technology, pair_cb cb, void *data)
{
	struct ao2_container *bridges = ast_bridges();
	struct ao2_iterator it;
	struct ast_bridge *bridge;
	struct pair_info *pair;
	int count = 0;

	if (!bridges) {
		return -1;
	}
	pair = ast_malloc(sizeof(*pair));
	if (!pair) {
		ao2_ref(bridges, -1);
		return -1;
	}
	it = ao2_iterator_init(bridges, 0);
	while ((bridge = ao2_iterator_next(&it))) {
		if (read_bridge(bridge, technology, pair)) {
			cb(pair, data);
			count++;
		}
		ao2_ref(bridge, -1);
	}
	ao2_iterator_destroy(&it);
	ast_free(pair);
	ao2_ref(bridges, -1);
	return count;
}

/*!
 * At most this many ids (bridge and channel ids together) in one request. A request then
 * reads at most 64 bridges (each locked with its two channels) and formats at most 64 items
 * (about 160 KB) for the session, whoever sends it; the agent sends bridges in batches well
 * below this. Channel ids cost one pass over the channels whatever their number
 * (bridges_of_channels), bridge ids one tree lookup each.
 */
#define MAX_FILTER_IDS 64
#define STR_(x) #x
#define STR(x) STR_(x)

#define BRIDGE_FILTER_HEADER "BridgeUniqueid"
#define CHANNEL_FILTER_HEADER "Uniqueid"

/*! The ids of the BridgeUniqueid: and Uniqueid: headers of one request. */
struct id_filter {
	/*! A filter header with a non-blank value was given: list only what the ids find. */
	int active;
	/*! More than MAX_FILTER_IDS ids were given; the request is refused. */
	int too_many;
	size_t count;
	struct {
		/*! 1 a bridge id, 0 a channel uniqueid. */
		int is_bridge;
		char id[AST_MAX_UNIQUEID];
	} ids[MAX_FILTER_IDS];
};

/*!
 * Adds the comma-separated ids of one header value. Entries are trimmed, empty ones
 * skipped, and ones that cannot fit a uniqueid (AST_MAX_UNIQUEID, include/asterisk/channel.h;
 * bridge ids are shorter still, AST_UUID_STR_LEN) are ignored: no bridge or channel has them.
 */
static void filter_add_list(struct id_filter *filter, const char *value, int is_bridge)
{
	char *copy;
	char *rest;
	char *id;

	if (ast_strlen_zero(ast_skip_blanks(value))) {
		/* astman_get_header cannot tell an empty header from a missing one; neither can this. */
		return;
	}
	filter->active = 1;
	copy = ast_strdup(value);
	if (!copy) {
		/* Counted as too many: refusing is safer than listing fewer bridges than asked. */
		filter->too_many = 1;
		return;
	}
	rest = copy;
	while ((id = strsep(&rest, ","))) {
		id = ast_strip(id);
		if (ast_strlen_zero(id) || strlen(id) >= AST_MAX_UNIQUEID) {
			continue;
		}
		if (filter->count >= MAX_FILTER_IDS) {
			filter->too_many = 1;
			break;
		}
		filter->ids[filter->count].is_bridge = is_bridge;
		ast_copy_string(filter->ids[filter->count].id, id, sizeof(filter->ids[0].id));
		filter->count++;
	}
	ast_free(copy);
}

/*!
 * Collects every BridgeUniqueid: and Uniqueid: header. astman_get_header returns only the
 * first of repeated headers, so the message's headers are read the way main/manager.c
 * __astman_get_header matches them (case-insensitive name, then ':'); repeating a header is
 * how a client keeps each line under manager.c's 1024-byte input line limit (get_input).
 */
static void filter_parse(struct id_filter *filter, const struct message *m)
{
	size_t bridge_len = strlen(BRIDGE_FILTER_HEADER);
	size_t channel_len = strlen(CHANNEL_FILTER_HEADER);
	unsigned int x;

	for (x = 0; x < m->hdrcount && !filter->too_many; x++) {
		const char *h = m->headers[x];

		if (!strncasecmp(h, BRIDGE_FILTER_HEADER, bridge_len) && h[bridge_len] == ':') {
			filter_add_list(filter, h + bridge_len + 1, 1);
		} else if (!strncasecmp(h, CHANNEL_FILTER_HEADER, channel_len) && h[channel_len] == ':') {
			filter_add_list(filter, h + channel_len + 1, 0);
		}
	}
}

static int id_cmp(const void *a, const void *b)
{
	return strcasecmp(*(const char * const *) a, *(const char * const *) b);
}

/*!
 * Keeps a found bridge once; the reference is taken over (released when already kept or
 * when there is no room, which cannot happen while each id finds at most one bridge).
 */
static void keep_bridge(struct ast_bridge **found, size_t *nfound, size_t cap, struct ast_bridge *bridge)
{
	size_t j;

	/* At most MAX_FILTER_IDS entries: a linear check is cheaper than a container. */
	for (j = 0; j < *nfound; j++) {
		if (found[j] == bridge) {
			ao2_ref(bridge, -1);
			return;
		}
	}
	if (*nfound >= cap) {
		ao2_ref(bridge, -1);
		return;
	}
	found[(*nfound)++] = bridge;
}

/*!
 * The bridges of the channels whose uniqueids are in ids (sorted with id_cmp), in one pass
 * over the channel storage: each channel is locked once per request, however many ids were
 * asked. Looking each id up instead costs a scan of every channel per id with the default
 * ao2_legacy storage (main/channelstorage_ao2_legacy.c get_by_uniqueid), and that scan
 * matches on a prefix ("1795345512.1" finds "1795345512.12"), so a second exact scan was
 * needed on a mismatch. The iterator holds the storage lock only while stepping.
 *
 * The uniqueid is read under the channel lock, as by_uniqueid_cb does (a masquerade swaps
 * uniqueids), and ast_channel_get_bridge needs it (include/asterisk/channel.h). The channel is
 * unlocked before any bridge is locked: read_bridge locks bridge before channel, the order of
 * bridges/bridge_native_rtp.c.
 * \retval 0 done, -1 the channels could not be iterated.
 */
static int bridges_of_channels(const char **ids, size_t nids, struct ast_bridge **found, size_t *nfound,
	size_t cap)
{
	struct ast_channel_iterator *it;
	struct ast_channel *chan;

	if (!nids) {
		return 0;
	}
	it = ast_channel_iterator_all_new();
	if (!it) {
		return -1;
	}
	while ((chan = ast_channel_iterator_next(it))) {
		struct ast_bridge *bridge = NULL;
		const char *uniqueid;

		ast_channel_lock(chan);
		uniqueid = ast_channel_uniqueid(chan);
		if (bsearch(&uniqueid, ids, nids, sizeof(*ids), id_cmp)) {
			bridge = ast_channel_get_bridge(chan);
		}
		ast_channel_unlock(chan);
		ast_channel_unref(chan);
		if (bridge) {
			keep_bridge(found, nfound, cap, bridge);
		}
	}
	ast_channel_iterator_destroy(it);
	return 0;
}

/*!
 * Lists only the bridges the filter's ids find, each once: those named by id first, in the
 * order given, then those of the named channels in channel-storage order. Bridge ids are
 * looked up in ast_bridges() (ast_bridge_find_by_id, an rbtree search in main/bridge.c),
 * channel ids in one pass (bridges_of_channels); no lock is held between lookups and none
 * while a bridge is read, as in walk_pairs. The found bridges are kept referenced until they
 * have been read, so a bridge named twice (by id and by a channel) is listed once.
 * \return number of pairs reported, -1 on failure
 */
static int walk_filtered(const struct id_filter *filter, const char *technology, pair_cb cb, void *data)
{
	struct ast_bridge **found;
	const char **channel_ids;
	struct pair_info *pair;
	size_t nfound = 0;
	size_t nchannels = 0;
	size_t i;
	int count = 0;

	if (!filter->count) {
		return 0;
	}
	found = ast_calloc(filter->count, sizeof(*found));
	channel_ids = ast_calloc(filter->count, sizeof(*channel_ids));
	pair = ast_malloc(sizeof(*pair));
	if (!found || !channel_ids || !pair) {
		ast_free(found);
		ast_free(channel_ids);
		ast_free(pair);
		return -1;
	}
	for (i = 0; i < filter->count; i++) {
		struct ast_bridge *bridge;

		if (!filter->ids[i].is_bridge) {
			channel_ids[nchannels++] = filter->ids[i].id;
			continue;
		}
		bridge = ast_bridge_find_by_id(filter->ids[i].id);
		if (bridge) {
			keep_bridge(found, &nfound, filter->count, bridge);
		}
	}
	qsort(channel_ids, nchannels, sizeof(*channel_ids), id_cmp);
	if (bridges_of_channels(channel_ids, nchannels, found, &nfound, filter->count)) {
		count = -1;
	}
	for (i = 0; i < nfound; i++) {
		if (count >= 0 && read_bridge(found[i], technology, pair)) {
			cb(pair, data);
			count++;
		}
		ao2_ref(found[i], -1);
	}
	ast_free(pair);
	ast_free(channel_ids);
	ast_free(found);
	return count;
}

/*! "Held" for a leg: its party put the call on hold, i.e. HOLD was indicated to the peer. */
static int leg_on_hold(const struct pair_info *pair, int i)
{
	return pair->legs[1 - i].hold_state == AST_CONTROL_HOLD;
}

static const char *yes_no(int v)
{
	return v ? "yes" : "no";
}

static void append_leg_fields(struct ast_str **out, const struct pair_info *pair, int i)
{
	const struct leg_info *leg = &pair->legs[i];
	const char *p = i == 0 ? "Leg1" : "Leg2";
	char rx[16];
	char remote_ssrc[16];

	if (leg->stats_ok) {
		snprintf(rx, sizeof(rx), "%u", leg->rx_packets);
		snprintf(remote_ssrc, sizeof(remote_ssrc), "%08x", leg->remote_ssrc);
	} else {
		ast_copy_string(rx, "", sizeof(rx));
		ast_copy_string(remote_ssrc, "", sizeof(remote_ssrc));
	}

	ast_str_append(out, 0,
		"%sChannel: %s\r\n"
		"%sUniqueid: %s\r\n"
		"%sTech: %s\r\n"
		"%sGlue: %s\r\n"
		"%sHasRtp: %s\r\n"
		"%sLocalAddress: %s\r\n"
		"%sRemoteAddress: %s\r\n"
		"%sSdpAddress: %s\r\n"
		"%sRemoteLearned: %s\r\n"
		"%sSymmetricRtp: %s\r\n"
		"%sRelay: %s\r\n"
		"%sSrtp: %s\r\n"
		"%sOnHold: %s\r\n"
		"%sHoldIndicated: %s\r\n"
		"%sCodec: %s\r\n"
		"%sNativeFormats: %s\r\n"
		"%sReadFormat: %s\r\n"
		"%sWriteFormat: %s\r\n"
		"%sPayloadTypes: %s\r\n"
		"%sRxPayloadTypes: %s\r\n"
		"%sPayloadTypesTruncated: %s\r\n"
		"%sRxPayloadTypesTruncated: %s\r\n"
		"%sFraming: %u\r\n"
		"%sDtmfMode: %s\r\n"
		"%sRtcp: %s\r\n"
		"%sSsrc: %08x\r\n"
		"%sRemoteSsrc: %s\r\n"
		"%sRxPackets: %s\r\n"
		"%sVideo: %s\r\n"
		"%sT38: %s\r\n",
		p, leg->channel,
		p, leg->uniqueid,
		p, leg->tech,
		p, glue_name(leg),
		p, yes_no(leg->has_rtp),
		p, leg->local,
		p, leg->remote,
		p, leg->target,
		p, leg->learned,
		p, yes_no(leg->symmetric),
		p, yes_no(leg->relay),
		p, yes_no(leg->srtp),
		p, yes_no(leg_on_hold(pair, i)),
		p, yes_no(leg->hold_state == AST_CONTROL_HOLD),
		p, leg->codec,
		p, leg->native_formats,
		p, leg->read_format,
		p, leg->write_format,
		p, leg->payload_types,
		p, leg->rx_payload_types,
		p, yes_no(leg->payload_types_truncated),
		p, yes_no(leg->rx_payload_types_truncated),
		p, leg->framing,
		p, dtmf_name(leg->dtmf_mode),
		p, rtcp_name(leg->rtcp_mode),
		p, leg->ssrc,
		p, remote_ssrc,
		p, rx,
		p, leg->video < 0 ? "unknown" : yes_no(leg->video),
		p, t38_name(leg->t38));
}

struct ami_walk {
	struct mansession *s;
	const char *action_id;
	struct ast_str *buf;
};

static void ami_pair(const struct pair_info *pair, void *data)
{
	struct ami_walk *w = data;

	ast_str_reset(w->buf);
	ast_str_append(&w->buf, 0, "Event: RtpOffloadPair\r\n");
	if (!ast_strlen_zero(w->action_id)) {
		ast_str_append(&w->buf, 0, "ActionID: %s\r\n", w->action_id);
	}
	ast_str_append(&w->buf, 0,
		"BridgeUniqueid: %s\r\n"
		"BridgeTechnology: %s\r\n"
		"BridgeType: %s\r\n"
		"Mode: %s\r\n",
		pair->bridge_id, pair->technology, pair->bridge_class, pair_mode(pair));
	append_leg_fields(&w->buf, pair, 0);
	append_leg_fields(&w->buf, pair, 1);
	astman_append(w->s, "%s\r\n", ast_str_buffer(w->buf));
}

static int action_rtp_offload_list(struct mansession *s, const struct message *m)
{
	const char *technology = astman_get_header(m, "Technology");
	struct ami_walk w = {
		.s = s,
		.action_id = astman_get_header(m, "ActionID"),
	};
	struct id_filter *filter;
	int count;

	if (ast_strlen_zero(technology)) {
		technology = DEFAULT_TECHNOLOGY;
	}
	/* About 10 KB: kept off the manager session thread's stack. */
	filter = ast_calloc(1, sizeof(*filter));
	if (!filter) {
		astman_send_error(s, m, "Internal error");
		return 0;
	}
	filter_parse(filter, m);
	if (filter->too_many) {
		ast_free(filter);
		astman_send_error(s, m, "Too many ids: at most " STR(MAX_FILTER_IDS) " BridgeUniqueid and Uniqueid values per request");
		return 0;
	}
	w.buf = ast_str_create(4096);
	if (!w.buf) {
		ast_free(filter);
		astman_send_error(s, m, "Internal error");
		return 0;
	}
	/*
	 * The items are formatted after each bridge is unlocked, but the list ack goes
	 * first, as manager_bridges.c does; a failed walk then ends with zero items.
	 */
	astman_send_listack(s, m, "RTP offload pair listing will follow", "start");
	count = filter->active ? walk_filtered(filter, technology, ami_pair, &w)
		: walk_pairs(technology, ami_pair, &w);
	astman_send_list_complete_start(s, m, "RtpOffloadListComplete", count < 0 ? 0 : count);
	astman_send_list_complete_end(s);
	ast_free(w.buf);
	ast_free(filter);
	return 0;
}

struct cli_walk {
	int fd;
};

#define CLI_FORMAT "%-36.36s %-26.26s %-6.6s %-5.5s %-21.21s %-21.21s %-9.9s %-4.4s %-4.4s %-8.8s %3.3s %s\n"

static void cli_pair(const struct pair_info *pair, void *data)
{
	struct cli_walk *w = data;
	int i;

	for (i = 0; i < 2; i++) {
		const struct leg_info *leg = &pair->legs[i];
		char framing[8];

		snprintf(framing, sizeof(framing), "%u", leg->framing);
		ast_cli(w->fd, CLI_FORMAT,
			i == 0 ? pair->bridge_id : "",
			leg->channel,
			glue_name(leg),
			yes_no(leg->relay),
			leg->local,
			leg->remote,
			leg->learned,
			yes_no(leg->srtp),
			yes_no(leg_on_hold(pair, i)),
			leg->codec,
			framing,
			leg->payload_types);
	}
}

static char *handle_show_pairs(struct ast_cli_entry *e, int cmd, struct ast_cli_args *a)
{
	struct cli_walk w;
	const char *technology = DEFAULT_TECHNOLOGY;
	int count;

	switch (cmd) {
	case CLI_INIT:
		e->command = "rtpoffload show pairs";
		e->usage =
			"Usage: rtpoffload show pairs [all]\n"
			"       Lists two-party native_rtp bridges (any technology with 'all')\n"
			"       with the RTP facts of both legs: glue result, packet-to-packet\n"
			"       relay, bound and remote addresses, whether the remote was learned\n"
			"       from received RTP, SRTP, hold, codec, framing and the payload-type\n"
			"       numbers Asterisk sends on the leg.\n";
		return NULL;
	case CLI_GENERATE:
		return NULL;
	}
	if (a->argc == 4) {
		if (strcasecmp(a->argv[3], ANY_TECHNOLOGY)) {
			return CLI_SHOWUSAGE;
		}
		technology = ANY_TECHNOLOGY;
	} else if (a->argc != 3) {
		return CLI_SHOWUSAGE;
	}
	w.fd = a->fd;
	ast_cli(a->fd, CLI_FORMAT, "Bridge", "Channel", "Glue", "Relay", "Local", "Remote", "Learned",
		"SRTP", "Hold", "Codec", "Ms", "PayloadTypes");
	count = walk_pairs(technology, cli_pair, &w);
	if (count < 0) {
		ast_cli(a->fd, "Unable to list bridges\n");
		return CLI_FAILURE;
	}
	ast_cli(a->fd, "%d pair%s\n", count, count == 1 ? "" : "s");
	return CLI_SUCCESS;
}

static struct ast_cli_entry cli_entries[] = {
	AST_CLI_DEFINE(handle_show_pairs, "List bridged RTP stream pairs for offloading"),
};

static int register_action(void);

/*!
 * A soft unload is refused while a request runs: main/manager.c holds a module reference
 * around the action (ast_module_running_ref) and main/cli.c marks a running command in use.
 * A firm unload (module unload -f) ignores the reference count; refusing here while the CLI
 * command is in use makes it fail instead of unmapping the command's code. A hard unload
 * (-h) unloads even then (main/loader.c "Unloading resource anyway"): see the README.
 */
static int unload_module(void)
{
	ast_manager_unregister(ACTION_NAME);
	if (ast_cli_unregister_multiple(cli_entries, ARRAY_LEN(cli_entries))) {
		register_action();
		return -1;
	}
	return 0;
}

/*!
 * Registered with the reporting class: the AMI user needs write=reporting (main/manager.c
 * runs an action when the user's write permissions share a class with the action's).
 */
static int register_action(void)
{
	return ast_manager_register2(ACTION_NAME, EVENT_FLAG_REPORTING, action_rtp_offload_list, AST_MODULE_SELF,
		"List bridged RTP stream pairs",
		"Lists every two-party bridge whose technology is native_rtp (or the\n"
		"technology named in Technology:, 'all' for any) as RtpOffloadPair events\n"
		"with Leg1.../Leg2... fields, then RtpOffloadListComplete.\n"
		"BridgeUniqueid: and Uniqueid: (comma lists, repeatable, at most " STR(MAX_FILTER_IDS) " ids\n"
		"in all) list only the bridges with these ids or holding these channels.\n"
		"Needs the reporting write permission.\n");
}

static int load_module(void)
{
	if (register_action()) {
		return AST_MODULE_LOAD_DECLINE;
	}
	if (ast_cli_register_multiple(cli_entries, ARRAY_LEN(cli_entries))) {
		ast_manager_unregister(ACTION_NAME);
		return AST_MODULE_LOAD_DECLINE;
	}
	return AST_MODULE_LOAD_SUCCESS;
}

AST_MODULE_INFO_STANDARD_EXTENDED(ASTERISK_GPL_KEY, "RTP offload bridge pair listing");
