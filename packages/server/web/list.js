// The executions list (#/): filters, live refresh, and a form to run a workflow.
import { api, ApiError, AuthRequired } from './api.js';
import { EXECUTION_STATUSES, executionDuration, formatDuration, formatTime, h, isoTime } from './util.js';

const POLL_MS = 2000;
const PAGE = 50;

export function listView({ root, askToken }, query) {
  const filters = { workflow: query.get('workflow') ?? '', status: query.get('status') ?? '' };
  let limit = PAGE;
  let disposed = false;
  let timer;
  let inFlight;
  const rows = new Map(); // executionId -> { tr, cells, key }

  const fail = (error) => {
    if (disposed) return;
    if (error instanceof AuthRequired) return askToken();
    if (error?.name === 'AbortError') return;
    banner.textContent = `Could not load executions: ${error.message}`;
    banner.hidden = false;
  };

  // --- the page
  const workflowFilter = h('select', { id: 'filter-workflow', onchange: () => setFilter('workflow', workflowFilter.value) }, h('option', { value: '' }, 'All workflows'));
  const statusFilter = h(
    'select',
    { id: 'filter-status', onchange: () => setFilter('status', statusFilter.value) },
    h('option', { value: '' }, 'Any status'),
    EXECUTION_STATUSES.map((status) => h('option', { value: status }, status)),
  );
  statusFilter.value = filters.status;
  if (filters.workflow) workflowFilter.append(h('option', { value: filters.workflow }, filters.workflow));
  workflowFilter.value = filters.workflow;

  const banner = h('p', { class: 'banner error', role: 'alert', hidden: true });
  const tbody = h('tbody');
  const table = h(
    'table',
    { class: 'executions' },
    h('caption', { class: 'visually-hidden' }, 'Executions, newest first'),
    h('thead', {}, h('tr', {}, ['Status', 'Workflow', 'Execution', 'Submitted', 'Started', 'Duration'].map((label) => h('th', { scope: 'col' }, label)))),
    tbody,
  );
  const empty = h('p', { class: 'empty', hidden: true }, 'No executions match.');
  const more = h('button', { type: 'button', class: 'secondary', hidden: true, onclick: () => ((limit = Math.min(1000, limit + PAGE)), refresh()) }, 'Show more');
  const updated = h('span', { class: 'muted', 'aria-live': 'off' });

  const submitForm = buildSubmitForm();

  root.append(
    h('div', { class: 'page-head' }, h('h1', {}, 'Executions'), updated),
    banner,
    submitForm.element,
    h('div', { class: 'filters', role: 'search' }, h('label', { for: 'filter-workflow' }, 'Workflow'), workflowFilter, h('label', { for: 'filter-status' }, 'Status'), statusFilter),
    table,
    empty,
    more,
  );

  function setFilter(key, value) {
    filters[key] = value;
    limit = PAGE;
    const params = new URLSearchParams();
    if (filters.workflow) params.set('workflow', filters.workflow);
    if (filters.status) params.set('status', filters.status);
    const search = params.toString();
    history.replaceState(null, '', search ? `#/?${search}` : '#/');
    refresh();
  }

  // --- data
  async function refresh() {
    clearTimeout(timer);
    inFlight?.abort();
    const controller = (inFlight = new AbortController());
    const params = new URLSearchParams({ limit: String(limit) });
    if (filters.workflow) params.set('workflow', filters.workflow);
    if (filters.status) params.set('status', filters.status);
    try {
      const page = await api(`executions?${params}`, { signal: controller.signal });
      if (disposed || controller.signal.aborted) return;
      banner.hidden = true;
      render(page.executions ?? []);
      more.hidden = !page.next || limit >= 1000;
      updated.textContent = `updated ${new Date().toLocaleTimeString(undefined, { hour12: false })}`;
    } catch (error) {
      fail(error);
      if (error instanceof AuthRequired) return;
    }
    if (!disposed && !controller.signal.aborted) timer = setTimeout(tick, POLL_MS);
  }

  function tick() {
    if (document.hidden) return; // visibilitychange refreshes when the tab shows again
    refresh();
  }

  const onVisible = () => {
    if (!document.hidden && !disposed) refresh();
  };
  document.addEventListener('visibilitychange', onVisible);

  function render(executions) {
    const seen = new Set();
    let previous = null;
    for (const execution of executions) {
      seen.add(execution.executionId);
      let row = rows.get(execution.executionId);
      if (!row) {
        row = makeRow(execution);
        rows.set(execution.executionId, row);
      }
      updateRow(row, execution);
      const expected = previous ? previous.nextSibling : tbody.firstChild;
      if (expected !== row.tr) tbody.insertBefore(row.tr, expected);
      previous = row.tr;
    }
    for (const [id, row] of rows) {
      if (!seen.has(id)) {
        row.tr.remove();
        rows.delete(id);
      }
    }
    empty.hidden = executions.length > 0;
  }

  function makeRow(execution) {
    const cells = {
      status: h('span', { class: 'badge' }),
      workflow: h('td'),
      link: h('a', { href: `#/executions/${encodeURIComponent(execution.executionId)}`, class: 'mono' }, execution.executionId),
      submitted: h('time'),
      started: h('time'),
      duration: h('td', { class: 'num' }),
    };
    const tr = h(
      'tr',
      { 'data-execution': execution.executionId },
      h('td', {}, cells.status),
      cells.workflow,
      h('td', {}, cells.link),
      h('td', {}, cells.submitted),
      h('td', {}, cells.started),
      cells.duration,
    );
    return { tr, cells, key: '' };
  }

  function updateRow(row, execution) {
    const duration = formatDuration(executionDuration(execution));
    const key = [execution.status, execution.workflow, execution.submittedAt, execution.startedAt, duration].join('|');
    if (key === row.key) return;
    row.key = key;
    const { cells } = row;
    cells.status.dataset.status = execution.status;
    cells.status.textContent = execution.status;
    row.tr.dataset.status = execution.status;
    cells.workflow.textContent = execution.workflow;
    setTime(cells.submitted, execution.submittedAt);
    setTime(cells.started, execution.startedAt);
    cells.duration.textContent = duration;
  }

  function setTime(node, epochMs) {
    node.textContent = formatTime(epochMs);
    if (epochMs) node.setAttribute('datetime', isoTime(epochMs));
    else node.removeAttribute('datetime');
    node.title = isoTime(epochMs);
  }

  // --- submitting
  function buildSubmitForm() {
    const select = h('select', { id: 'run-workflow', required: true });
    const params = h('textarea', { id: 'run-params', rows: 3, spellcheck: 'false', class: 'mono' }, '{}');
    const message = h('p', { class: 'form-message', role: 'status' });
    const description = h('p', { class: 'muted' });
    const button = h('button', { type: 'submit' }, 'Run');
    const form = h(
      'form',
      { class: 'run-form', onsubmit: (event) => (event.preventDefault(), submit()) },
      h('div', { class: 'field' }, h('label', { for: 'run-workflow' }, 'Workflow'), select),
      description,
      h('div', { class: 'field' }, h('label', { for: 'run-params' }, 'Parameters (JSON)'), params),
      h('div', { class: 'actions' }, button, message),
    );
    const element = h('details', { class: 'run' }, h('summary', {}, 'Run a workflow'), form);
    let workflows = [];
    let edited = false;
    params.addEventListener('input', () => (edited = true));
    const describe = async () => {
      const name = select.value;
      const workflow = workflows.find((w) => w.name === name);
      description.textContent = workflow ? `${workflow.description ?? ''}${workflow.description ? ' · ' : ''}${workflow.steps} step${workflow.steps === 1 ? '' : 's'}` : '';
      if (!name || edited) return;
      try {
        // prefill the parameters with the workflow's defaults
        const detail = await api(`workflows/${encodeURIComponent(name)}`);
        if (edited || select.value !== name) return;
        const defaults = Object.fromEntries(Object.entries(detail.params?.properties ?? {}).map(([key, schema]) => [key, schema.default ?? null]));
        params.value = JSON.stringify(defaults, null, 2);
      } catch {
        // the form still works without the defaults
      }
    };
    select.addEventListener('change', describe);

    async function submit() {
      let body;
      try {
        body = params.value.trim() ? JSON.parse(params.value) : {};
      } catch (error) {
        message.textContent = `The parameters are not JSON: ${error.message}`;
        return;
      }
      if (body === null || typeof body !== 'object' || Array.isArray(body)) {
        message.textContent = 'The parameters must be a JSON object, like {"day": "2026-12-01"}.';
        return;
      }
      button.disabled = true;
      message.textContent = 'Submitting…';
      try {
        const { executionId } = await api(`workflows/${encodeURIComponent(select.value)}/executions`, { method: 'POST', body: { params: body } });
        location.hash = `#/executions/${encodeURIComponent(executionId)}`;
      } catch (error) {
        if (error instanceof AuthRequired) return askToken();
        if (error instanceof ApiError && error.status === 429) {
          const seconds = Math.ceil((error.body?.retryAfterMs ?? 1000) / 1000);
          message.textContent = `The queue is full; nothing was created. Try again in ${seconds} s.`;
        } else {
          message.textContent = error.message;
        }
      } finally {
        button.disabled = false;
      }
    }

    return {
      element,
      setWorkflows(list) {
        workflows = list;
        select.replaceChildren(...list.map((w) => h('option', { value: w.name }, w.name)));
        describe();
      },
    };
  }

  api('workflows')
    .then(({ workflows }) => {
      if (disposed) return;
      const names = workflows.map((w) => w.name).sort();
      workflowFilter.replaceChildren(h('option', { value: '' }, 'All workflows'), ...names.map((name) => h('option', { value: name }, name)));
      if (filters.workflow && !names.includes(filters.workflow)) workflowFilter.append(h('option', { value: filters.workflow }, filters.workflow));
      workflowFilter.value = filters.workflow;
      submitForm.setWorkflows([...workflows].sort((a, b) => a.name.localeCompare(b.name)));
    })
    .catch(fail);

  refresh();

  return {
    dispose() {
      disposed = true;
      clearTimeout(timer);
      inFlight?.abort();
      document.removeEventListener('visibilitychange', onVisible);
    },
  };
}
