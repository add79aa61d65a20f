// Sessions (`#/sessions?range=…&room_prefix=…&identity=…&status=…&order=…`): every room
// session of the range, filtered, newest or oldest first, 50 at a time with "Load more"
// (the read API's cursor; `limit=` in the hash sets another page size). A row opens the
// session.

import { getV1 } from './api.js';
import { element, show } from './dom.js';
import { formatBytes, formatCount } from './format.js';
import { rangeOf, rangeParams, rangePicker } from './range.js';
import { hashOf, sessionHash } from './route.js';
import { appendRows, badge, dataTable } from './table.js';
import { formatDuration, formatTime } from './time.js';
import { empty, loading, showRefusal } from './view_state.js';

const PAGE = 50;

const COLUMNS = [
  { label: 'Room', cell: (s) => element('a', { text: s.room_name, className: 'room-name', attributes: { href: sessionHash(s.session_id) } }) },
  { label: 'Started', cell: (s) => formatTime(s.created_at) },
  { label: 'Duration', cell: (s) => formatDuration(s.duration_seconds) },
  { label: 'Status', cell: (s) => badge(s.status) },
  { label: 'Participants', numeric: true, cell: (s) => (s.status === 'active' ? `${formatCount(s.active_participants)} now / ${formatCount(s.participants)}` : formatCount(s.participants)) },
  { label: 'In', numeric: true, cell: (s) => formatBytes(s.bandwidth_in) },
  { label: 'Out', numeric: true, cell: (s) => formatBytes(s.bandwidth_out) },
  { label: 'Egress', cell: (s) => (s.egress === 'none' ? '—' : badge(s.egress, `egress-${s.egress}`)) },
];

function filterForm(params, onApply) {
  const input = (name, label, placeholder) => element('label', {}, [
    element('span', { text: label }),
    element('input', { attributes: { name, value: params.get(name) ?? '', placeholder, spellcheck: 'false' } }),
  ]);
  const select = (name, label, options) => {
    const node = element('select', { attributes: { name } }, options.map(([value, text]) => {
      const option = element('option', { text, attributes: { value } });
      option.selected = (params.get(name) ?? '') === value;
      return option;
    }));
    return element('label', {}, [element('span', { text: label }), node]);
  };
  const form = element('form', { className: 'filters', attributes: { id: 'session-filters' } }, [
    input('room_prefix', 'Room name starts with', 'e.g. standup'),
    input('identity', 'Participant identity', 'exact identity'),
    select('status', 'Status', [['', 'Any'], ['active', 'Active'], ['ended', 'Ended']]),
    select('order', 'Order', [['newest', 'Newest first'], ['oldest', 'Oldest first']]),
    element('button', { text: 'Apply', attributes: { type: 'submit' } }),
  ]);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(form);
    onApply(Object.fromEntries([...data.entries()].map(([k, v]) => [k, String(v).trim()])));
  });
  return form;
}

/** Renders the sessions list into `root`. */
export async function renderSessions(root, route, app) {
  const params = route.params;
  const range = rangeOf(params);
  const current = Object.fromEntries(params.entries());
  const go = (changes) => { window.location.hash = hashOf('sessions', [], { ...current, ...changes }); };
  const body = element('div', { className: 'sessions-body' }, [loading()]);
  show(root,
    element('h2', { text: 'Sessions' }),
    rangePicker(range, (rangeChanges) => go({ from: undefined, to: undefined, ...rangeChanges })),
    filterForm(params, go),
    body);
  const query = {
    ...rangeParams(range),
    room_prefix: params.get('room_prefix'),
    identity: params.get('identity'),
    status: params.get('status'),
    order: params.get('order') ?? 'newest',
    limit: /^\d+$/.test(params.get('limit') ?? '') ? params.get('limit') : PAGE,
  };
  const answer = await getV1('sessions', query);
  if (app.isLeft()) return;
  if (!answer.ok) {
    showRefusal(body, answer, app);
    return;
  }
  const { sessions, next_cursor: firstCursor } = answer.data;
  if (sessions.length === 0) {
    show(body, empty('No session matches these filters in this range.'));
    return;
  }
  const table = dataTable(COLUMNS, sessions, { rowHref: (s) => sessionHash(s.session_id), className: 'sessions-table' });
  const count = element('p', { className: 'muted session-count' });
  const more = element('button', { text: 'Load more', attributes: { type: 'button', id: 'load-more' } });
  const problem = element('p', { className: 'error' });
  let shown = sessions.length;
  let cursor = firstCursor;
  const update = () => {
    count.textContent = `${formatCount(shown)} sessions shown${cursor ? '' : ' (all of them)'}`;
    more.hidden = !cursor;
  };
  more.addEventListener('click', async () => {
    more.disabled = true;
    problem.textContent = '';
    const next = await getV1('sessions', { ...query, cursor });
    more.disabled = false;
    if (app.isLeft()) return;
    if (!next.ok) {
      if (next.status === 401) showRefusal(problem, next, app);
      else problem.textContent = next.data?.error ?? `HTTP ${next.status}`;
      return;
    }
    appendRows(table.tBodies[0], COLUMNS, next.data.sessions, (s) => sessionHash(s.session_id));
    shown += next.data.sessions.length;
    cursor = next.data.next_cursor;
    update();
  });
  update();
  show(body, element('div', { className: 'panel' }, [count, table, element('div', { className: 'more' }, [more, problem])]));
}
