// Tables built from rows of data: every cell is text (or a node built with dom.js), a
// column may be numeric (right-aligned), and a row may lead to another view.

import { element } from './dom.js';

/**
 * A `<table>`: `columns` = [{label, cell(row) → string | Node, numeric?}], `rows` = data,
 * `rowHref(row)` = the hash a click on the row opens (optional), `className` extra class.
 */
export function dataTable(columns, rows, { rowHref, className } = {}) {
  const head = element('thead', {}, [element('tr', {}, columns.map((c) =>
    element('th', { text: c.label, className: c.numeric ? 'num' : undefined })))]);
  const body = element('tbody');
  appendRows(body, columns, rows, rowHref);
  return element('table', { className: `data${className ? ` ${className}` : ''}` }, [head, body]);
}

/** Appends `rows` to a table made by `dataTable` (for "Load more"). */
export function appendRows(body, columns, rows, rowHref) {
  for (const row of rows) {
    const cells = columns.map((c) => {
      const value = c.cell(row);
      const cell = element('td', { className: c.numeric ? 'num' : undefined });
      cell.append(value instanceof Node ? value : String(value ?? '—'));
      return cell;
    });
    const tr = element('tr', {}, cells);
    if (rowHref) {
      const href = rowHref(row);
      tr.classList.add('link-row');
      tr.tabIndex = 0;
      tr.dataset.href = href;
      tr.addEventListener('click', (event) => {
        if (event.target.closest('a')) return;
        window.location.hash = href;
      });
      tr.addEventListener('keydown', (event) => {
        if (event.key === 'Enter') window.location.hash = href;
      });
    }
    body.append(tr);
  }
}

/** A link (text content only) to a hash of this page. */
export function link(text, hash) {
  return element('a', { text, attributes: { href: hash } });
}

/** A small label, e.g. `active`, `synthetic`. */
export function badge(text, kind = text) {
  return element('span', { className: `badge badge-${kind}`, text });
}

/** Definition list of `[label, value]` pairs (values: text or nodes). */
export function facts(pairs) {
  const list = element('dl', { className: 'facts' });
  for (const [label, value] of pairs) {
    const dd = element('dd');
    dd.append(value instanceof Node ? value : String(value ?? '—'));
    list.append(element('div', {}, [element('dt', { text: label }), dd]));
  }
  return list;
}
