// Participant (`#/participant/{session_id}/{identity}`): one identity in one session — its
// client, its connections (a reconnect is a new connection), its tracks, charts of score,
// bitrate, packet loss, jitter and RTT (the participant's and each track's, 120 points at
// most; what the browsers reported through the collector beside LiveKit's, dashed and
// labelled "(browser)") and its events.

import { getV1, participantPath, trackPath } from './api.js';
import { lineChart } from './chart.js';
import { element, show } from './dom.js';
import { eventsTable } from './events.js';
import { formatBitrate, formatBytes, formatCount, formatNumber, formatPercent } from './format.js';
import { participantHash, sessionHash } from './route.js';
import { badge, dataTable, facts, link } from './table.js';
import { formatDuration, formatTime, toMillis } from './time.js';
import { tracksTable } from './tracks.js';
import { empty, loading, section, showRefusal } from './view_state.js';

const POINTS = 120;

/** The charts of one series: [title, series (label, field), axis format]. */
const METRICS = [
  ['Score', [['Score', 'score']], formatNumber],
  ['Bitrate', [['Bitrate', 'bitrate_bps']], formatBitrate],
  ['Packet loss', [['Loss', 'packet_loss_pct']], formatPercent],
  ['Jitter and RTT', [['Jitter (ms)', 'jitter_ms'], ['RTT (ms)', 'rtt_ms']], (v) => `${formatNumber(v)} ms`],
];

function clientText(client) {
  const versioned = (name, version) => (name ? `${name}${version ? ` ${version}` : ''}` : '');
  return [versioned(client.sdk, client.sdk_version), versioned(client.os, client.os_version),
    versioned(client.browser, client.browser_version), client.device_model].filter(Boolean).join(' · ') || '—';
}

function connectionsTable(connections) {
  return dataTable([
    { label: 'Participant sid', cell: (c) => element('code', { text: c.participant_sid }) },
    { label: 'Joined', cell: (c) => formatTime(c.joined_at) },
    { label: 'Left', cell: (c) => (c.left_at ? formatTime(c.left_at) : 'still connected') },
    { label: 'Duration', cell: (c) => formatDuration(((c.left_at ? toMillis(c.left_at) : Date.now()) - toMillis(c.joined_at)) / 1000) },
    { label: 'Closed by', cell: (c) => element('span', {}, [c.closed_by || '—', c.synthetic_close ? badge('synthetic') : '']) },
    { label: 'Reason', cell: (c) => c.disconnect_reason || '—' },
    { label: 'Client', cell: (c) => clientText(c.client ?? {}) },
    { label: 'Region', cell: (c) => c.client?.region || '—' },
    { label: 'Connection', cell: (c) => c.client?.connection_type || '—' },
  ], connections, { className: 'connections-table' });
}

/** One subject's charts (the participant, or a track), filled once its series arrives. */
async function seriesCharts(target, path, subject, app) {
  const answer = await getV1(`${path}/series`, { points: POINTS });
  if (app.isLeft()) return;
  if (!answer.ok) {
    showRefusal(target, answer, app);
    return;
  }
  const points = answer.data.points ?? [];
  const clientPoints = answer.data.client_points ?? [];
  if (points.length === 0 && clientPoints.length === 0) {
    show(target, empty('No stats.'));
    return;
  }
  // LiveKit's points and the browsers' share one time axis; a bucket only one of them has
  // is a gap in the other.
  const millis = [...new Set([...points, ...clientPoints].map((p) => toMillis(p.at)))].sort((a, b) => a - b);
  const times = millis.map((ms) => ms / 1000);
  const byTime = (list) => new Map(list.map((p) => [toMillis(p.at), p]));
  const server = byTime(points);
  const browser = byTime(clientPoints);
  const valuesOf = (map, field) => millis.map((ms) => map.get(ms)?.[field] ?? null);
  const grid = element('div', { className: 'chart-grid' });
  const note = clientPoints.length > 0 ? '; dashed: reported by the participants\' browsers' : '';
  show(target, element('p', { className: 'muted', text: `${millis.length} points, ${formatDuration(answer.data.bucket_seconds)} each${note}` }), grid);
  for (const [title, series, format] of METRICS) {
    const holder = element('div', { className: 'chart', attributes: { 'data-chart': `${subject}:${title}` } });
    grid.append(holder);
    await lineChart(holder, {
      title,
      times,
      height: 180,
      format,
      series: series.flatMap(([label, field]) => [
        ...(points.length > 0 ? [{ label, values: valuesOf(server, field) }] : []),
        ...(clientPoints.length > 0 ? [{ label: `${label} (browser)`, values: valuesOf(browser, field), dash: [6, 4] }] : []),
      ]),
    });
    if (app.isLeft()) return;
  }
}

/** Renders the participant named in the route into `root`. */
export async function renderParticipant(root, route, app) {
  const [sessionId, identity] = route.parts;
  const heading = element('h2', { text: 'Participant' });
  if (!sessionId || identity === undefined) {
    show(root, heading, element('p', { className: 'muted' }, ['Open a participant from a session of the ', link('Sessions', '#/sessions'), ' list.']));
    return;
  }
  app.remember('participant', participantHash(sessionId, identity));
  const body = element('div', { className: 'participant-body' }, [loading()]);
  show(root, heading, body);
  const answer = await getV1(participantPath(sessionId, identity));
  if (app.isLeft()) return;
  if (!answer.ok) {
    showRefusal(body, answer, app);
    return;
  }
  const { session, participant, tracks, events } = answer.data;
  const latest = participant.connections.at(-1)?.client ?? {};
  const chartsOf = (title, subject) => {
    const holder = element('div', { className: 'series', attributes: { 'data-series': subject } }, [loading('Loading stats…')]);
    return [element('div', { className: 'series-block' }, [element('h4', { text: title }), holder]), holder];
  };
  const [participantBlock, participantHolder] = chartsOf('Participant (all tracks)', 'participant');
  const trackBlocks = tracks.map((t) => [t, ...chartsOf(`${t.source || t.kind} ${t.track_sid}`, `track:${t.track_sid}`)]);
  show(body,
    element('p', { className: 'subtitle' }, [
      element('strong', { className: 'identity', text: participant.identity }),
      ' in ',
      element('a', { className: 'room-name', text: session.room_name, attributes: { href: sessionHash(session.session_id) } }),
    ]),
    section('Summary', facts([
      ['Identity', element('span', { className: 'identity', text: participant.identity })],
      ['Name', participant.name || '—'],
      ['Session', element('a', { text: `${session.room_name} (${formatTime(session.created_at)})`, attributes: { href: sessionHash(session.session_id) } })],
      ['Connections', formatCount(participant.connections.length)],
      ['Reconnects', formatCount(participant.reconnects)],
      ['Quality', participant.quality?.samples ? `avg ${formatNumber(participant.quality.avg_score)}, min ${formatNumber(participant.quality.min_score)} (${formatCount(participant.quality.samples)} samples)` : 'no stats'],
      ['Traffic', `in ${formatBytes(participant.traffic?.bytes_in)} · out ${formatBytes(participant.traffic?.bytes_out)} · loss ${formatPercent(participant.traffic?.packet_loss_pct)}`],
    ])),
    section('Client', facts([
      ['SDK', [latest.sdk, latest.sdk_version].filter(Boolean).join(' ') || '—'],
      ['OS', [latest.os, latest.os_version].filter(Boolean).join(' ') || '—'],
      ['Browser', [latest.browser, latest.browser_version].filter(Boolean).join(' ') || '—'],
      ['Device', latest.device_model || '—'],
      ['Region', latest.region || '—'],
      ['Connection type', latest.connection_type || '—'],
    ])),
    section('Connections', connectionsTable(participant.connections)),
    section('Tracks', tracks.length ? tracksTable(session.session_id, tracks, { withParticipant: false }) : empty('No track was published.')),
    section('Stats', participantBlock, ...trackBlocks.map(([, block]) => block)),
    section(`Events (${formatCount(events.length)})`, events.length ? eventsTable(session.session_id, events) : empty('No events.')),
  );
  await seriesCharts(participantHolder, participantPath(sessionId, identity), 'participant', app);
  for (const [track, , holder] of trackBlocks) {
    if (app.isLeft()) return;
    await seriesCharts(holder, trackPath(sessionId, track.track_sid), `track:${track.track_sid}`, app);
  }
}
