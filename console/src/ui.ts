// Pieces every screen uses: the error line, dialogs, confirmation before destructive actions.
import { ApiError } from './api';
import { button, fill, h } from './dom';

export function describe(error: unknown): string {
  if (error instanceof ApiError) return error.advice;
  return error instanceof Error ? error.message : String(error);
}

/** A status line that screen readers announce; errors say what went wrong and how to fix it. */
export function statusLine(): { element: HTMLElement; error(e: unknown): void; ok(text: string): void; clear(): void } {
  const element = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
  return {
    element,
    error(e) { element.className = 'status error'; element.setAttribute('role', 'alert'); element.textContent = describe(e); },
    ok(text) { element.className = 'status ok'; element.setAttribute('role', 'status'); element.textContent = text; },
    clear() { element.className = 'status'; element.textContent = ''; },
  };
}

/** Runs an action, showing its failure on the status line; the button is disabled while it runs. */
export async function attempt(status: ReturnType<typeof statusLine>, action: () => Promise<void>, trigger?: HTMLButtonElement): Promise<void> {
  status.clear();
  if (trigger) trigger.disabled = true;
  try {
    await action();
  } catch (error) {
    status.error(error);
  } finally {
    if (trigger) trigger.disabled = false;
  }
}

/** A modal dialog (the native <dialog>: focus is trapped and Escape closes it). */
export function modal(title: string, body: HTMLElement, onClose?: () => void): HTMLDialogElement {
  const heading = h('h2', { id: `d-${Math.random().toString(36).slice(2, 8)}` }, title);
  const dialog = h('dialog', { 'aria-labelledby': heading.id },
    h('div', { class: 'dialog-head' }, heading, button('Close', () => dialog.close(), { class: 'ghost', 'aria-label': 'Close dialog' })),
    body);
  dialog.addEventListener('close', () => { dialog.remove(); onClose?.(); });
  document.body.appendChild(dialog);
  dialog.showModal();
  return dialog;
}

/** Asks before a destructive action; resolves true only when the person confirms. */
export function confirmAction(question: string, confirmText: string): Promise<boolean> {
  return new Promise(resolve => {
    let confirmed = false;
    const dialog = modal('Please confirm', h('div', {},
      h('p', {}, question),
      h('div', { class: 'actions' },
        button('Cancel', () => dialog.close(), { class: 'ghost' }),
        button(confirmText, () => { confirmed = true; dialog.close(); }, { class: 'danger' }))),
      () => resolve(confirmed));
  });
}

/** A screen's frame: heading, intro and body; a 403 replaces the body with what the key lacks. */
export function screen(main: HTMLElement, title: string, intro: string, ...content: (HTMLElement | null)[]): void {
  fill(main, h('h1', { tabindex: '-1' }, title), h('p', { class: 'intro' }, intro), ...content);
  (main.querySelector('h1') as HTMLElement).focus();
}

export function forbidden(main: HTMLElement, title: string, error: ApiError): void {
  screen(main, title, 'This key may not open this screen.', h('p', { class: 'status error', role: 'alert' }, error.advice));
}

export function badge(text: string, kind: 'ok' | 'warn' | 'bad' | 'muted'): HTMLElement {
  return h('span', { class: `badge ${kind}` }, text);
}

/** Newer/older buttons for a list shown a page at a time (client-side pages of a list the API returns whole). */
export function pager(label: string, page: number, pages: number, go: (page: number) => void): HTMLElement | null {
  if (pages <= 1) return null;
  return h('nav', { class: 'pager', 'aria-label': label },
    button('Previous', () => go(page - 1), { class: 'ghost', disabled: page === 0 }),
    h('span', {}, `Page ${page + 1} of ${pages}`),
    button('Next', () => go(page + 1), { class: 'ghost', disabled: page >= pages - 1 }));
}

export const pageSize = 25;
