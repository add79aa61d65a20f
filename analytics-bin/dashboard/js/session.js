// Session (`#/session/{session_id}`): the summary, the participants timeline, quality per
// participant, tracks, egress and ingress, events. An open session refreshes itself every
// 12 s until the view is left.

import { getV1, sessionPath } from './api.js';
import { element, show } from './dom.js';
import { eventsTable } from './events.js';
import { formatBytes, formatCount, formatNumber, formatPercent } from './format.js';
import { participantHash, sessionHash } from './route.js';
import { badge, dataTable, facts, link } from './table.js';
import { participantsTimeline } from './timeline.js';
import { formatDuration, formatTime } from './time.js';
import { tracksTable } from './tracks.js';
import { empty, loading, section, showRefusal } from './view_state.js';

const REFRESH_MS = 12_000;

function summary(s, quality) {
  return facts([
    ['Room', element('strong', { className: 'room-name', text: s.room_name })],
    ['Session id', element('code', { text: s.session_id })],
    ['Status', badge(s.status)],
    ['Started', formatTime(s.created_at)],
    ['Ended', s.ended_at ? formatTime(s.ended_at) : 'still open'],
    ['Duration', `${formatDuration(s.duration_seconds)}${s.ended_at ? '' : ' so far'}`],
    ['Participants', s.status === 'active' ? `${formatCount(s.active_participants)} now, ${formatCount(s.participants)} connections` : `${formatCount(s.participants)} connections`],
    ['Bandwidth', `in ${formatBytes(s.bandwidth_in)} · out ${formatBytes(s.bandwidth_out)}`],
    ['Egress', s.egress === 'none' ? 'none' : badge(s.egress, `egress-${s.egress}`)],
    ['Quality', quality?.samples ? `avg ${formatNumber(quality.avg_score)}, min ${formatNumber(quality.min_score)} (${formatCount(quality.samples)} samples)` : 'no stats'],
  ]);
}

function qualityTable(sessionId, participants) {
  return dataTable([
    { label: 'Participant', cell: (p) => link(p.identity, participantHash(sessionId, p.identity)) },
    { label: 'Name', cell: (p) => p.name || '—' },
    { label: 'Connections', numeric: true, cell: (p) => formatCount(p.connections.length) },
    { label: 'Reconnects', numeric: true, cell: (p) => formatCount(p.reconnects) },
    { label: 'Avg score', numeric: true, cell: (p) => formatNumber(p.quality?.avg_score) },
    { label: 'Min score', numeric: true, cell: (p) => formatNumber(p.quality?.min_score) },
    { label: 'Loss', numeric: true, cell: (p) => formatPercent(p.traffic?.packet_loss_pct) },
    { label: 'In', numeric: true, cell: (p) => formatBytes(p.traffic?.bytes_in) },
    { label: 'Out', numeric: true, cell: (p) => formatBytes(p.traffic?.bytes_out) },
  ], participants, { rowHref: (p) => participantHash(sessionId, p.identity), className: 'quality-table' });
}

function jobsTable(egresses, ingresses) {
  const jobs = [
    ...egresses.map((j) => ({ ...j, kind: 'egress' })),
    ...ingresses.map((j) => ({ ...j, kind: 'ingress' })),
  ];
  if (jobs.length === 0) return empty('No egress or ingress.');
  return dataTable([
    { label: 'Kind', cell: (j) => j.kind },
    { label: 'Id', cell: (j) => element('code', { text: j.id }) },
    { label: 'Status', cell: (j) => element('span', {}, [j.status, j.synthetic_end ? badge('synthetic') : '']) },
    { label: 'Started', cell: (j) => formatTime(j.started_at) },
    { label: 'Ended', cell: (j) => (j.ended_at ? formatTime(j.ended_at) : 'running') },
  ], jobs, { className: 'jobs-table' });
}

function sessionBody(detail) {
  const s = detail.session;
  const sid = s.session_id;
  return [
    section('Summary', summary(s, detail.quality)),
    section('Participants timeline', detail.participants.length ? participantsTimeline(s, detail.participants) : empty('Nobody joined.')),
    section('Quality per participant', detail.participants.length ? qualityTable(sid, detail.participants) : empty('Nobody joined.')),
    section('Tracks', detail.tracks.length ? tracksTable(sid, detail.tracks) : empty('No track was published.')),
    section('Egress and ingress', jobsTable(detail.egresses, detail.ingresses)),
    section(`Events (${formatCount(detail.events.length)})`, detail.events.length ? eventsTable(sid, detail.events) : empty('No events.')),
  ];
}

/** Renders the session named in the route into `root`. */
export async function renderSession(root, route, app) {
  const sessionId = route.parts[0];
  const heading = element('h2', { text: 'Session' });
  if (!sessionId) {
    show(root, heading, element('p', { className: 'muted' }, ['Open a session from the ', link('Sessions', '#/sessions'), ' list.']));
    return;
  }
  app.remember('session', sessionHash(sessionId));
  const subtitle = element('p', { className: 'subtitle' });
  const refreshed = element('p', { className: 'muted refreshed' });
  const body = element('div', { className: 'session-body' }, [loading()]);
  show(root, heading, subtitle, refreshed, body);
  let shown = false;
  const load = async () => {
    const answer = await getV1(sessionPath(sessionId));
    if (app.isLeft()) return null;
    if (!answer.ok) {
      if (shown && answer.status !== 401) refreshed.textContent = `Refresh failed: ${answer.data?.error ?? `HTTP ${answer.status}`}`;
      else showRefusal(body, answer, app);
      return null;
    }
    shown = true;
    const detail = answer.data;
    const scroll = body.querySelector('#timeline-rows')?.scrollTop ?? 0;
    show(subtitle, element('span', { className: 'room-name', text: detail.session.room_name }), ' ', badge(detail.session.status));
    show(body, ...sessionBody(detail));
    const rows = body.querySelector('#timeline-rows');
    if (rows) rows.scrollTop = scroll;
    refreshed.textContent = detail.session.status === 'active'
      ? `Open session: refreshed every ${REFRESH_MS / 1000} s (last ${formatTime(Date.now())}).`
      : '';
    return detail;
  };
  const first = await load();
  if (first?.session.status === 'active') {
    let busy = false;
    app.every(REFRESH_MS, async () => {
      if (busy) return;
      busy = true;
      try {
        await load();
      } finally {
        busy = false;
      }
    });
  }
}
