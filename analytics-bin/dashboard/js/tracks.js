// The tracks table, shared by the session and the participant views.

import { formatBytes, formatNumber, formatPercent } from './format.js';
import { participantHash } from './route.js';
import { dataTable, link } from './table.js';
import { formatTime } from './time.js';

/** A table of the read API's Track list of session `sessionId`. */
export function tracksTable(sessionId, tracks, { withParticipant = true } = {}) {
  const columns = [
    { label: 'Track', cell: (t) => t.track_sid },
    ...(withParticipant ? [{ label: 'Participant', cell: (t) => link(t.participant_identity, participantHash(sessionId, t.participant_identity)) }] : []),
    { label: 'Source', cell: (t) => t.source || t.kind },
    { label: 'Codec', cell: (t) => t.mime },
    { label: 'Layers', cell: (t) => (t.simulcast_layers?.length ? t.simulcast_layers.join(', ') : '—') },
    { label: 'Published', cell: (t) => formatTime(t.published_at) },
    { label: 'Unpublished', cell: (t) => (t.unpublished_at ? formatTime(t.unpublished_at) : 'still published') },
    { label: 'Avg score', numeric: true, cell: (t) => formatNumber(t.quality?.avg_score) },
    { label: 'Loss', numeric: true, cell: (t) => formatPercent(t.traffic?.packet_loss_pct) },
    { label: 'In', numeric: true, cell: (t) => formatBytes(t.traffic?.bytes_in) },
    { label: 'Out', numeric: true, cell: (t) => formatBytes(t.traffic?.bytes_out) },
  ];
  return dataTable(columns, tracks, { className: 'tracks-table' });
}
