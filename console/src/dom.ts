// A few DOM builders: the console has no framework, screens build elements with h() and replace them on change.

type Child = Node | string | number | null | undefined | false;
type Props = Record<string, string | number | boolean | EventListener | null | undefined>;

/** Creates an element; props starting with "on" are listeners, booleans toggle attributes, the rest are attributes. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: (Child | Child[])[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      element.addEventListener(name.slice(2), value);
    } else if (name === 'value' && 'value' in element) {
      (element as HTMLInputElement).value = String(value);
    } else {
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(element, children);
  return element;
}

export function append(parent: Node, children: (Child | Child[])[]): void {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
}

/** Replaces everything inside an element. */
export function fill(parent: Element, ...children: (Child | Child[])[]): void {
  parent.replaceChildren();
  append(parent, children);
}

const svgNamespace = 'http://www.w3.org/2000/svg';

export function svg(tag: string, attributes: Record<string, string | number> = {}, ...children: (Node | null)[]): SVGElement {
  const element = document.createElementNS(svgNamespace, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  for (const child of children) if (child) element.appendChild(child);
  return element;
}

/** A labelled form field: the label names the control for screen readers. */
export function field(label: string, control: HTMLElement, hint?: string): HTMLElement {
  const id = control.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  control.id = id;
  return h('div', { class: 'field' }, h('label', { for: id }, label), control, hint ? h('small', { class: 'hint' }, hint) : null);
}

export function input(name: string, props: Props = {}): HTMLInputElement {
  return h('input', { name, ...props });
}

export function select(name: string, options: (string | [string, string])[], selected?: string, props: Props = {}): HTMLSelectElement {
  const element = h('select', { name, ...props });
  for (const option of options) {
    const [value, text] = Array.isArray(option) ? option : [option, option];
    element.appendChild(h('option', { value, selected: value === selected }, text));
  }
  return element;
}

export function button(text: string, onClick: (event: Event) => void, props: Props = {}): HTMLButtonElement {
  return h('button', { type: 'button', onclick: onClick as EventListener, ...props }, text);
}

/** A table with a header row; an empty list shows the empty-state text in one cell instead. */
export function table(caption: string, headers: string[], rows: Child[][], empty: string): HTMLElement {
  return h('div', { class: 'table-wrap' },
    h('table', {},
      h('caption', {}, caption),
      h('thead', {}, h('tr', {}, headers.map(text => h('th', { scope: 'col' }, text)))),
      h('tbody', {}, rows.length === 0
        ? h('tr', {}, h('td', { colspan: headers.length, class: 'empty' }, empty))
        : rows.map(cells => h('tr', {}, cells.map(cell => h('td', {}, cell)))))));
}

export function formValues(form: HTMLFormElement): Record<string, string> {
  const values: Record<string, string> = {};
  new FormData(form).forEach((value, key) => { values[key] = String(value); });
  return values;
}

export function when(date: string | undefined): string {
  return date ? new Date(date).toLocaleString() : '—';
}

export async function copyText(text: string, trigger: HTMLButtonElement): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
    trigger.textContent = 'Copied';
  } catch {
    trigger.textContent = 'Select and copy by hand';
  }
}

/** A long identifier (user id, request id) that may wrap anywhere in a narrow table column. */
export function id(text: string | undefined): HTMLElement {
  return h('span', { class: 'id' }, text ?? '—');
}
