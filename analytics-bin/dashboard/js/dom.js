// Building DOM nodes from data: text always goes through textContent, never innerHTML, so
// a room or participant named `<img src=x onerror=alert(1)>` shows those characters.

/** A new element: `text` is set as textContent, `attributes` with setAttribute. */
export function element(tag, { text, className, attributes } = {}, children = []) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (name.toLowerCase().startsWith('on')) throw new Error(`no event attributes: ${name}`);
    node.setAttribute(name, String(value));
  }
  node.append(...children);
  return node;
}

/** Replaces every child of `node` with `children`. */
export function show(node, ...children) {
  node.replaceChildren(...children);
}

/** The element with this id (throws when the page lacks it: a bug, not a state). */
export function byId(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`#${id} is missing from index.html`);
  return node;
}
