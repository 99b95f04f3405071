// DOM helpers. Every value reaches the page as text (textContent, attributes, properties), never
// as HTML: function names, logs and results are written by users.

/**
 * @typedef {{ class?: string, text?: string | number, attrs?: Record<string, string | number | boolean | null | undefined>,
 *   props?: Record<string, unknown>, on?: Record<string, (event: Event) => void> }} Props
 * @typedef {Node | string | number | null | undefined | false} Leaf
 * @typedef {Leaf | Leaf[] | Array<Leaf | Leaf[]>} Child (arrays are flattened)
 */

/**
 * Creates an element.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Props} [props]
 * @param {...Child} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  if (props.class) el.className = props.class;
  if (props.text !== undefined) el.textContent = String(props.text);
  for (const [name, value] of Object.entries(props.attrs ?? {})) setAttr(el, name, value);
  Object.assign(el, props.props ?? {});
  for (const [type, listener] of Object.entries(props.on ?? {})) el.addEventListener(type, listener);
  append(el, children);
  return el;
}

/**
 * @param {Element} parent
 * @param {Child[]} children
 */
function append(parent, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else parent.append(typeof child === "number" ? String(child) : child);
  }
}

/**
 * Sets (or with null/undefined/false, removes) an attribute, touching the DOM only on a change.
 * @param {Element} el
 * @param {string} name
 * @param {string | number | boolean | null | undefined} value
 */
export function setAttr(el, name, value) {
  if (value === null || value === undefined || value === false) {
    if (el.hasAttribute(name)) el.removeAttribute(name);
    return;
  }
  const text = value === true ? "" : String(value);
  if (el.getAttribute(name) !== text) el.setAttribute(name, text);
}

/**
 * Sets an element's text, touching the DOM only on a change (a selection or focus inside survives).
 * @param {Element} el
 * @param {string | number} value
 */
export function setText(el, value) {
  const text = String(value);
  if (el.textContent !== text) el.textContent = text;
}

/**
 * Replaces an element's children, only when what they show changed (compared by `key`).
 * @param {HTMLElement} el
 * @param {string} key
 * @param {() => Child[]} build
 */
export function fill(el, key, build) {
  if (el.dataset.key === key) return;
  el.dataset.key = key;
  const fragment = document.createDocumentFragment();
  for (const child of build().flat()) if (child !== null && child !== undefined && child !== false) fragment.append(typeof child === "number" ? String(child) : /** @type {Node | string} */ (child));
  el.replaceChildren(fragment);
}

/**
 * Keyed list update: keeps the element of every item that is still there (with its focus and
 * state), creates the new ones, drops the rest, and puts them in the items' order.
 * @template T
 * @param {HTMLElement} container
 * @param {T[]} items
 * @param {(item: T) => string} keyOf
 * @param {(item: T) => HTMLElement} create
 * @param {(el: HTMLElement, item: T) => void} update
 */
export function reconcile(container, items, keyOf, create, update) {
  /** @type {Map<string, HTMLElement>} */
  const existing = new Map();
  for (const child of Array.from(container.children)) {
    if (child instanceof HTMLElement && child.dataset.item !== undefined) existing.set(child.dataset.item, child);
  }
  /** @type {Element | null} */
  let cursor = container.firstElementChild;
  for (const item of items) {
    const key = keyOf(item);
    let el = existing.get(key);
    if (el === undefined) {
      el = create(item);
      el.dataset.item = key;
    }
    existing.delete(key);
    update(el, item);
    if (el !== cursor) container.insertBefore(el, cursor);
    else cursor = cursor.nextElementSibling;
  }
  for (const el of existing.values()) el.remove();
}
