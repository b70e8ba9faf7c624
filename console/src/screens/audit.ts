// The audit trail with filters, newest first, paged by time; and where the jobs dashboard is.
import { get, query, Session } from '../api';
import { button, field, fill, h, input, table, when } from '../dom';
import { attempt, screen, statusLine } from '../ui';

interface Entry { id: string; actor: string; kind: string; target: string; outcome: string; at: string; count?: number; after?: string; before?: string }

export async function audit(main: HTMLElement, _session: Session): Promise<void> {
  const line = statusLine();
  const list = h('div', { id: 'audit-list' });
  const filters = h('form', { class: 'filters', 'aria-label': 'Filter the audit trail' },
    field('Actor', input('actor', { placeholder: 'user id or system' })),
    field('Target', input('target', { placeholder: 'provider:openai, key:…' })),
    field('Kind', input('kind', { placeholder: 'CreateAccessKey, KeyRefused…' })),
    h('button', { type: 'submit', class: 'primary' }, 'Filter'));
  const pageSize = 50;
  const pageEnds: (string | undefined)[] = [undefined];

  async function load(page: number): Promise<void> {
    const values = Object.fromEntries(new FormData(filters).entries()) as Record<string, string>;
    const { entries } = await get<{ entries: Entry[] }>(`/api/admin/audit${query({ ...values, limit: pageSize, to: pageEnds[page] })}`);
    if (entries.length === pageSize) pageEnds[page + 1] = entries[entries.length - 1].at;
    fill(list,
      table('Audit entries, newest first', ['At', 'Actor', 'Kind', 'Target', 'Outcome', 'Details'], entries.map(e => [
        when(e.at), e.actor, e.kind + (e.count && e.count > 1 ? ` ×${e.count}` : ''), e.target, e.outcome,
        e.after || e.before ? h('details', {}, h('summary', {}, 'Show'), h('pre', { class: 'code' }, e.after ?? e.before ?? '')) : '']),
        'Nothing recorded matches these filters.'),
      h('nav', { class: 'pager', 'aria-label': 'Audit pages' },
        button('Newer', () => void attempt(line, () => load(page - 1)), { disabled: page === 0, class: 'ghost' }),
        h('span', {}, `Page ${page + 1}`),
        button('Older', () => void attempt(line, () => load(page + 1)), { disabled: entries.length < pageSize, class: 'ghost' })));
  }
  filters.addEventListener('submit', event => { event.preventDefault(); pageEnds.length = 1; void attempt(line, () => load(0)); });

  screen(main, 'Audit trail', 'Every change to providers, keys, users, rates and credits, with who made it and from where; refused keys and addresses are counted per minute.',
    filters, line.element, list,
    h('p', { class: 'hint' }, 'Background jobs (reports, credential re-checks, hold recovery) are on the jobs dashboard at ',
      h('code', {}, '/admin/jobs'), ': it needs your key as an Authorization header, so open it from a tool that sends one (see docs/console.md).'));
  await load(0);
}
