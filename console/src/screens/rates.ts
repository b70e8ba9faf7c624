// Models and rates: the rates table with versions and history, set a rate, price from unit costs, catalogue sync
// with its dry-run diff shown before it is applied.
import { api, get, post, query, Session, isAdmin } from '../api';
import { button, field, fill, formValues, h, input, select, table, when } from '../dom';
import { attempt, confirmAction, modal, screen, statusLine } from '../ui';

interface Rate { rate_id: string; provider: string; model: string; type: string; input_rate: string; output_rate: string; version: number; source: string; deprecated: boolean; updated_at: string; unit_costs?: { input_usd: string; output_usd: string } }

const rateRow = (r: Rate) => [`${r.provider}/${r.model}`, r.type, r.input_rate, r.output_rate, r.unit_costs ? `$${r.unit_costs.input_usd} / $${r.unit_costs.output_usd}` : '—', String(r.version), r.source, when(r.updated_at)];
const rateHeaders = ['Model', 'Type', 'Input (credits/token)', 'Output (credits/token or image)', 'Unit costs (USD)', 'Version', 'Source', 'Updated'];

function changesTable(changes: { before?: Rate; after: Rate }[]): HTMLElement {
  return table('Changes', ['Model', 'Type', 'Before (in / out)', 'After (in / out)'],
    changes.map(c => [`${c.after.provider}/${c.after.model}`, c.after.type, c.before ? `${c.before.input_rate} / ${c.before.output_rate}` : 'no rate', `${c.after.input_rate} / ${c.after.output_rate}`]),
    'Nothing would change.');
}

export async function rates(main: HTMLElement, session: Session): Promise<void> {
  const line = statusLine();
  const list = h('div', { id: 'rate-list' });
  const canWrite = isAdmin(session, true);

  async function load(): Promise<void> {
    const answer = await get<{ rates: Rate[] }>('/api/admin/rates');
    fill(list, table('Current rates', [...rateHeaders, ''], answer.rates.map(r => [...rateRow(r),
      button('History', () => void attempt(line, async () => {
        const history = await get<{ versions: Rate[] }>(`/api/admin/rates/history${query({ type: r.type, provider: r.provider, model: r.model })}`);
        modal(`History of ${r.provider}/${r.model}`, table('Versions', rateHeaders, history.versions.map(rateRow), 'No history.'));
      }), { class: 'ghost', 'aria-label': `History of ${r.provider}/${r.model}` })]),
    'No model has a rate yet. In credits mode a model without a rate is refused: set one below, or sync the catalogue.'));
  }

  const type = () => select('type', ['chat', 'embedding', 'image'], 'chat');
  const setForm = h('form', { class: 'card stack', id: 'set-rate', 'aria-label': 'Set a rate' },
    h('h2', {}, 'Set a rate'),
    h('div', { class: 'row' }, field('Type', type()), field('Provider', input('provider', { required: true, placeholder: 'demo' })), field('Model', input('model', { required: true, placeholder: 'echo' }))),
    h('div', { class: 'row' }, field('Input rate (credits per token)', input('input_rate', { required: true, inputmode: 'decimal', placeholder: '0.001' })),
      field('Output rate (credits per token, per image for images)', input('output_rate', { required: true, inputmode: 'decimal', placeholder: '0.002' }))),
    h('button', { type: 'submit', class: 'primary', disabled: !canWrite }, 'Save rate'));
  setForm.addEventListener('submit', event => {
    event.preventDefault();
    void attempt(line, async () => {
      const rate = await api<{ rate: Rate }>('PUT', '/api/admin/rates', formValues(setForm));
      line.ok(`Saved ${rate.rate?.provider ?? ''}/${rate.rate?.model ?? ''} at version ${rate.rate?.version ?? ''}.`);
      await load();
    }, setForm.querySelector('button[type=submit]') as HTMLButtonElement);
  });

  const costForm = h('form', { class: 'card stack', 'aria-label': 'Price from unit costs' },
    h('h2', {}, 'Price from unit costs'),
    h('p', { class: 'hint' }, 'The rate is unit cost × (1 + margin) ÷ base credit price, from the billing settings.'),
    h('div', { class: 'row' }, field('Type', type()), field('Provider', input('provider', { required: true })), field('Model', input('model', { required: true }))),
    h('div', { class: 'row' }, field('Input USD per token', input('input_usd', { required: true, inputmode: 'decimal', placeholder: '0.00000015' })),
      field('Output USD per token (or image)', input('output_usd', { required: true, inputmode: 'decimal', placeholder: '0.0000006' }))),
    h('button', { type: 'submit', class: 'primary', disabled: !canWrite }, 'Price it'));
  costForm.addEventListener('submit', event => {
    event.preventDefault();
    const v = formValues(costForm);
    void attempt(line, async () => {
      await post('/api/admin/rates:fromUnitCost', { type: v.type, provider: v.provider, model: v.model, unit_costs: { input_usd: v.input_usd, output_usd: v.output_usd } });
      line.ok('Priced.');
      await load();
    }, costForm.querySelector('button[type=submit]') as HTMLButtonElement);
  });

  const sync: HTMLButtonElement = button('Sync from the catalogue…', () => attempt(line, async () => {
    const preview = await post('/api/admin/rates:sync', { dry_run: true });
    const body = h('div', {}, h('p', {}, `From ${preview.source}: ${preview.changes?.length ?? 0} changes, ${preview.unchanged ?? 0} unchanged, ${preview.skipped?.length ?? 0} set by hand and kept.`),
      changesTable(preview.changes ?? []),
      h('div', { class: 'actions' }, button('Apply these changes', () => void attempt(line, async () => {
        await post('/api/admin/rates:sync', { dry_run: false });
        dialog.close();
        line.ok('Catalogue applied.');
        await load();
      }), { class: 'primary', disabled: !canWrite || !(preview.changes?.length) })));
    const dialog = modal('Catalogue sync (dry run)', body);
  }, sync), { class: 'ghost' });

  const reprice: HTMLButtonElement = button('Reprice from unit costs…', () => attempt(line, async () => {
    const preview = await post('/api/admin/rates:reprice', { dry_run: true });
    if (!(await confirmAction(`${preview.changes?.length ?? 0} rates would be repriced from their unit costs with the current settings. Apply?`, 'Reprice'))) return;
    await post('/api/admin/rates:reprice', { dry_run: false });
    await load();
  }, reprice), { class: 'ghost', disabled: !canWrite });

  screen(main, 'Models & rates', 'What each model costs in credits. Every change makes a new version; calls record the version that priced them.',
    h('div', { class: 'toolbar' }, sync, reprice), line.element, list, h('div', { class: 'two' }, setForm, costForm));
  await load();
}
