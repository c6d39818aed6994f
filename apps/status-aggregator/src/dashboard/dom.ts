/**
 * The few DOM features the dashboard uses, typed here. The workspace type-checks everything with
 * Node's types and without lib.dom (adding it would retype Node's fetch and streams for every
 * service), so the browser globals are reached through these interfaces.
 */
export interface DomEvent {
  preventDefault(): void;
}

export interface El {
  innerHTML: string;
  textContent: string | null;
  hidden: boolean;
  className: string;
  setAttribute(name: string, value: string): void;
  addEventListener(type: string, listener: (e: DomEvent) => void): void;
}

export interface InputEl extends El {
  value: string;
  disabled: boolean;
}

interface Doc {
  getElementById(id: string): El | null;
  readyState: string;
  addEventListener(type: string, listener: () => void): void;
}

interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

const g = globalThis as unknown as { document: Doc; sessionStorage: KeyValueStorage };

/** The element with `id`; the page is static, so a missing one is a bug worth failing loudly on. */
export function byId<T extends El = El>(id: string): T {
  const el = g.document.getElementById(id);
  if (!el) throw new Error(`the page has no #${id}`);
  return el as T;
}

/** Runs `fn` once the document is parsed. */
export function onReady(fn: () => void): void {
  if (g.document.readyState === 'loading') g.document.addEventListener('DOMContentLoaded', fn);
  else fn();
}

/** Per-tab storage: a token kept here is gone when the tab closes. */
export const tabStorage = (): KeyValueStorage => g.sessionStorage;
