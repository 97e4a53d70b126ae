// A small element builder: h('button', { type: 'button', onclick }, 'Sign in'). Text goes in as text nodes,
// never as HTML, so nothing a user typed can become markup.
export function h(tag, props, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') element.addEventListener(key.slice(2), value);
    else if (key === 'class') element.className = value;
    else element.setAttribute(key, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

export function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

export function replaceChildren(element, ...children) {
  element.replaceChildren();
  return append(element, children);
}

// A labelled field: the label names the control, so tests and assistive technology find it by "Amount".
let fieldCounter = 0;
export function field(label, control, hint) {
  const id = control.id || `field-${++fieldCounter}`;
  control.id = id;
  return h('div', { class: 'field' }, h('label', { for: id }, label), control, hint ? h('small', null, hint) : null);
}

export function select(options, value) {
  const element = h('select');
  setOptions(element, options, value);
  return element;
}

// Keeps the chosen value when the options change (a wallet added by a collaborator).
export function setOptions(element, options, value = element.value) {
  element.replaceChildren(...options.map(([optionValue, text]) =>
    h('option', { value: optionValue, selected: String(optionValue) === String(value) }, text)));
  if (options.some(([optionValue]) => String(optionValue) === String(value))) element.value = String(value);
}

// A header of a column of numbers (right-aligned like its cells).
export const numeric = (text) => ({ text, numeric: true });

export function table(headers, rows, caption) {
  return h('table', null,
    caption ? h('caption', null, caption) : null,
    h('thead', null, h('tr', null, headers.map((header) => header?.numeric
      ? h('th', { scope: 'col', class: 'number' }, header.text)
      : h('th', { scope: 'col' }, header)))),
    h('tbody', null, rows));
}
