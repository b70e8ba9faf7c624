// Usage: charts by time and by provider / model / user / app (calls, tokens, cost, errors, latency percentiles), the
// call history with filters, paging and CSV export, and the scheduled reports.
import { ApiError, get, headers, query, errorOf, Session } from '../api';
import { button, field, fill, h, id, input, select, svg, table, when } from '../dom';
import { attempt, screen, statusLine } from '../ui';

interface Figures {
  calls: number; successes: number; failures: number; total_tokens: number; credits: string; cost_usd: string; latency_p50_ms: number; latency_p95_ms: number;
  cache_hit_rate?: number; cache_saved_usd?: string;
}

const metrics: Record<string, [string, (f: Figures) => number]> = {
  calls: ['Calls', f => f.calls ?? 0],
  tokens: ['Tokens', f => f.total_tokens ?? 0],
  cost: ['Cost (USD)', f => Number(f.cost_usd ?? 0)],
  credits: ['Credits', f => Number(f.credits ?? 0)],
  errors: ['Errors', f => f.failures ?? 0],
  p95: ['Latency p95 (ms)', f => f.latency_p95_ms ?? 0],
};

/** A bar chart in inline SVG: one bar per bucket, its value in the bar's title for screen readers and hovering. */
function barChart(title: string, buckets: { label: string; value: number }[]): HTMLElement {
  const width = 720, height = 200, pad = 28;
  const max = Math.max(1, ...buckets.map(b => b.value));
  const step = buckets.length ? (width - pad) / buckets.length : 0;
  const chart = svg('svg', { viewBox: `0 0 ${width} ${height + 24}`, role: 'img', 'aria-label': `${title}: ${buckets.length} buckets, highest ${max}`, class: 'chart' },
    svg('line', { x1: pad, y1: height, x2: width, y2: height, class: 'axis' }),
    svg('text', { x: 0, y: 12, class: 'tick' }, document.createTextNode(String(+max.toPrecision(3)))),
    svg('text', { x: 0, y: height, class: 'tick' }, document.createTextNode('0')));
  buckets.forEach((bucket, index) => {
    const barHeight = (bucket.value / max) * (height - 16);
    const bar = svg('rect', { x: pad + index * step + step * 0.1, y: height - barHeight, width: Math.max(1, step * 0.8), height: barHeight, class: 'bar' },
      svg('title', {}, document.createTextNode(`${bucket.label}: ${bucket.value}`)));
    chart.appendChild(bar);
    if (buckets.length <= 12 || index % Math.ceil(buckets.length / 12) === 0) {
      chart.appendChild(svg('text', { x: pad + index * step, y: height + 16, class: 'tick' }, document.createTextNode(bucket.label)));
    }
  });
  return h('figure', { class: 'card' }, h('figcaption', {}, title), chart);
}

export async function usage(main: HTMLElement, session: Session): Promise<void> {
  const line = statusLine();
  const charts = h('div', { id: 'usage-charts' });
  const history = h('div', { id: 'call-history' });
  const reports = h('div', { id: 'reports' });

  const range = select('range', [['day', 'Last 24 hours (hourly)'], ['month', 'Last 30 days (daily)']], 'day', { id: 'usage-range' });
  const groupBy = select('group_by', [['provider', 'Provider'], ['model', 'Model'], ['user', 'User'], ['app', 'App'], ['team', 'Team'], ['call_type', 'Call type']], 'model', { id: 'usage-group' });
  const metric = select('metric', Object.entries(metrics).map(([key, [label]]) => [key, label] as [string, string]), 'calls', { id: 'usage-metric' });

  async function loadCharts(): Promise<void> {
    const granularity = range.value === 'day' ? 'hour' : 'day';
    const stats = await get(`/api/usage/statistics${query({ granularity, group_by: groupBy.value })}`);
    const [label, pick] = metrics[metric.value];
    // Every bucket of the range is drawn, empty ones too, so the bars sit on a real time axis. Daily buckets follow
    // the reporting zone (23 or 25 hours on clock changes): a point goes to the nearest bucket of the grid.
    const step = granularity === 'hour' ? 3_600_000 : 86_400_000;
    const from = Date.parse(stats.from), to = Date.parse(stats.to);
    const values = new Array<number>(Math.max(1, Math.round((to - from) / step))).fill(0);
    for (const point of stats.series ?? []) {
      const index = Math.min(values.length - 1, Math.max(0, Math.round((Date.parse(point.start) - from) / step)));
      values[index] += pick(point.figures);
    }
    const buckets = values.map((value, index) => {
      const start = new Date(from + index * step);
      return { label: granularity === 'hour' ? start.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : start.toLocaleDateString([], { month: 'short', day: 'numeric' }), value };
    });
    const anyCalls = (stats.series ?? []).length > 0;
    const totals: Figures = stats.totals ?? {};
    fill(charts,
      h('ul', { class: 'totals', 'aria-label': 'Totals' },
        h('li', {}, h('strong', {}, String(totals.calls ?? 0)), ' calls'),
        h('li', {}, h('strong', {}, String(totals.total_tokens ?? 0)), ' tokens'),
        h('li', {}, h('strong', {}, String(totals.failures ?? 0)), ' errors'),
        h('li', {}, h('strong', {}, `$${totals.cost_usd ?? '0'}`), ' cost'),
        h('li', {}, h('strong', {}, String(totals.credits ?? '0')), ' credits'),
        h('li', {}, h('strong', {}, `${Math.round(totals.latency_p50_ms ?? 0)} / ${Math.round(totals.latency_p95_ms ?? 0)} ms`), ' p50 / p95'),
        h('li', {}, h('strong', {}, totals.cache_hit_rate === undefined ? '—' : `${Math.round(totals.cache_hit_rate * 100)} %`), ' cache hits'),
        h('li', {}, h('strong', {}, `$${totals.cache_saved_usd ?? '0'}`), ' saved by the cache')),
      stats.stale ? h('p', { class: 'hint' }, 'The newest calls are still being counted; reload in a moment.') : null,
      anyCalls ? barChart(`${label} per ${granularity}`, buckets) : h('p', { class: 'empty' }, 'No calls in this range yet. Try a model in the Playground.'),
      table(`By ${groupBy.selectedOptions[0].textContent}`, ['Group', 'Calls', 'Errors', 'Tokens', 'Credits', 'Cost (USD)', 'p50 ms', 'p95 ms'],
        (stats.groups ?? []).map((g: { group: string; figures: Figures }) => [g.group || '—', String(g.figures.calls), String(g.figures.failures ?? 0), String(g.figures.total_tokens ?? 0),
          g.figures.credits ?? '0', g.figures.cost_usd ?? '0', String(Math.round(g.figures.latency_p50_ms ?? 0)), String(Math.round(g.figures.latency_p95_ms ?? 0))]),
        'No calls to group yet.'));
  }
  [range, groupBy, metric].forEach(control => control.addEventListener('change', () => void attempt(line, loadCharts)));

  const filters = h('form', { class: 'filters', id: 'call-filters', 'aria-label': 'Filter calls' },
    field('Provider', input('provider', { placeholder: 'any' })),
    field('Model', input('model', { placeholder: 'any (the provider’s id)' })),
    field('Type', select('call_type', [['', 'any'], 'chat', 'embedding', 'image'], '')),
    field('Status', select('status', [['', 'any'], 'succeeded', 'failed', 'cancelled'], '')),
    field('Min latency (ms)', input('min_latency_ms', { type: 'number', min: 0 })),
    h('button', { type: 'submit', class: 'primary' }, 'Filter'));
  const filterValues = () => Object.fromEntries(new FormData(filters).entries()) as Record<string, string>;
  const pages: string[] = [''];

  async function loadCalls(page: number): Promise<void> {
    const answer = await get(`/api/usage/calls${query({ ...filterValues(), limit: 25, page_token: pages[page] })}`);
    if (answer.next_page_token) pages[page + 1] = answer.next_page_token;
    const rows = (answer.calls ?? []).map((c: any) => [when(c.started_at), `${c.provider}/${c.model}`, c.call_type, c.status + (c.error_kind && c.error_kind !== c.status ? ` (${c.error_kind})` : ''),
      `${c.prompt_tokens ?? 0} + ${c.completion_tokens ?? 0}`, `${Math.round(c.latency_ms ?? 0)} ms`, c.credits_charged ?? '—', id(c.user_id), h('code', {}, c.request_id)]);
    fill(history,
      table('Calls, newest first', ['Started', 'Model', 'Type', 'Status', 'Tokens', 'Latency', 'Credits', 'User', 'Request id'], rows, 'No calls match. Clear the filters, or make a call in the Playground.'),
      h('nav', { class: 'pager', 'aria-label': 'Call pages' },
        button('Newer', () => void attempt(line, () => loadCalls(page - 1)), { disabled: page === 0, class: 'ghost' }),
        h('span', {}, `Page ${page + 1}`),
        button('Older', () => void attempt(line, () => loadCalls(page + 1)), { disabled: !answer.next_page_token, class: 'ghost' })));
  }
  filters.addEventListener('submit', event => { event.preventDefault(); pages.length = 1; void attempt(line, () => loadCalls(0)); });

  const exportCsv: HTMLButtonElement = button('Export CSV', () => attempt(line, async () => {
    const values = filterValues();
    delete values.min_latency_ms;
    const response = await fetch(`/api/usage/calls:export${query(values)}`, { headers: headers(false) });
    if (!response.ok) throw await errorOf(response);
    const link = h('a', { href: URL.createObjectURL(await response.blob()), download: `aignehub-calls-${new Date().toISOString().slice(0, 10)}.csv` });
    document.body.appendChild(link);
    link.click();
    link.remove();
  }, exportCsv), { class: 'ghost', id: 'export-csv' });

  async function loadReports(): Promise<void> {
    const answer = await get(`/api/usage/reports${query({ limit: 20 })}`).catch((error: unknown) => {
      if (error instanceof ApiError && error.status === 403) return { reports: [] };
      throw error;
    });
    fill(reports, table('Scheduled reports', ['Period', 'Kind', 'Scope', 'Calls', 'Errors', 'Tokens', 'Credits', 'Cost (USD)', 'Download'],
      (answer.reports ?? []).map((r: any) => [r.period, r.kind, r.scope, String(r.calls), String(r.failures), String(r.total_tokens), r.credits ?? '0', r.cost_usd ?? '0',
        h('span', { class: 'buttons' }, ['json', 'csv'].map(format => button(format.toUpperCase(), () => void attempt(line, async () => {
          const response = await fetch(`/api/usage/reports/${encodeURIComponent(r.id)}/download?format=${format}`, { headers: headers(false) });
          if (!response.ok) throw await errorOf(response);
          const link = h('a', { href: URL.createObjectURL(await response.blob()), download: `${r.id}.${format}` });
          document.body.appendChild(link); link.click(); link.remove();
        }), { class: 'ghost', 'aria-label': `Download ${r.id} as ${format}` })))]),
      'No report yet: reports are generated after each day and week with calls.'));
  }

  screen(main, 'Usage', session.role === 'member' ? 'Your calls: counts, tokens, cost and latency.' : 'Every call through the hub: counts, tokens, cost, errors and latency.',
    line.element,
    h('div', { class: 'toolbar' }, field('Range', range), field('Group by', groupBy), field('Chart', metric)),
    charts, h('h2', {}, 'Call history'), h('div', { class: 'toolbar' }, filters, exportCsv), history, h('h2', {}, 'Reports'), reports);
  await Promise.all([loadCharts(), loadCalls(0), loadReports()]);
}
