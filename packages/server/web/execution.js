// One execution (#/executions/<id>): its DAG coloured live, the timeline of
// attempts, step logs, parameters, and a Cancel button.
import { api, ApiError, AuthRequired, followEvents } from './api.js';
import { drawDag, paintNode } from './dag.js';
import { createGantt } from './gantt.js';
import { ExecutionModel, isFinished, STATUS_ICONS, STEP_STATUSES } from './model.js';
import { executionDuration, formatDuration, formatTime, frameScheduler, h, isoTime } from './util.js';

const LOG_LINES_SHOWN = 2000;

export function executionView({ root, askToken }, executionId) {
  const viewStarted = performance.now();
  const controller = new AbortController();
  const { signal } = controller;
  const path = `executions/${encodeURIComponent(executionId)}`;
  let disposed = false;
  let dag;
  let workflowSteps;
  let workflowRequested = false;
  let selected;
  let headDirty = true;
  let detailDirty = false;
  const dirty = new Set();

  const model = new ExecutionModel({
    onStep(id) {
      dirty.add(id);
      if (id === selected) detailDirty = true;
      schedule();
    },
    onTimeline(id) {
      gantt.ensureRow(id);
      gantt.invalidate();
      if (id === selected) detailDirty = true;
    },
  });

  // --- the page
  const title = h('h1', {}, 'Execution');
  const badge = h('span', { class: 'badge large', 'data-status': 'queued' }, '…');
  const duration = h('span', { class: 'duration', title: 'Duration' });
  const connection = h('span', { class: 'connection muted', 'aria-live': 'polite' });
  const cancelButton = h('button', { type: 'button', class: 'danger', id: 'cancel', hidden: true, onclick: cancel }, 'Cancel execution');
  const cancelMessage = h('span', { class: 'muted', role: 'status' });
  const meta = h('dl', { class: 'meta' });
  const banner = h('p', { class: 'banner error', role: 'alert', hidden: true });

  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('class', 'dag');
  svg.setAttribute('role', 'group');
  svg.setAttribute('aria-label', 'Steps of the workflow and their status');
  const dagScroll = h('div', { class: 'dag-scroll' }, h('p', { class: 'muted loading' }, 'Loading the workflow…'));
  const legend = h('ul', { class: 'legend', 'aria-label': 'Steps by status' });
  const legendCounts = new Map();
  for (const status of STEP_STATUSES) {
    const count = h('span', { class: 'count' }, '0');
    legendCounts.set(status, count);
    legend.append(h('li', { 'data-status': status }, h('span', { class: 'swatch', 'aria-hidden': 'true' }, STATUS_ICONS[status]), ` ${status} `, count));
  }
  let scale = 1;
  const zoom = (factor) => setScale(factor === 0 ? fitScale() : factor === 1 ? 1 : scale * factor);
  const toolbar = h(
    'div',
    { class: 'toolbar', role: 'toolbar', 'aria-label': 'Zoom' },
    h('button', { type: 'button', class: 'secondary small', onclick: () => zoom(1 / 1.25), 'aria-label': 'Zoom out' }, '−'),
    h('button', { type: 'button', class: 'secondary small', onclick: () => zoom(1.25), 'aria-label': 'Zoom in' }, '+'),
    h('button', { type: 'button', class: 'secondary small', onclick: () => zoom(0) }, 'Fit'),
    h('button', { type: 'button', class: 'secondary small', onclick: () => zoom(1) }, '100%'),
  );

  const gantt = createGantt(model, { onSelect: select });

  const stepDetail = h('div', { class: 'step-detail' }, h('p', { class: 'muted' }, 'Select a step in the graph or the timeline to see its attempts and logs.'));
  const logFilter = h('select', { id: 'log-step', onchange: () => select(logFilter.value || undefined, { fromFilter: true }) }, h('option', { value: '' }, 'All steps'));
  const logList = h('ol', { class: 'logs', 'aria-live': 'off' });
  const logEmpty = h('p', { class: 'muted', id: 'logs-empty' }, 'No log lines yet.');
  const params = h('pre', { class: 'params mono' });

  root.append(
    h('div', { class: 'page-head' }, h('a', { href: '#/', class: 'back' }, '← Executions'), connection),
    h('div', { class: 'exec-head' }, title, badge, duration, h('span', { class: 'spacer' }), cancelMessage, cancelButton),
    banner,
    meta,
    h('section', { class: 'panel', 'aria-labelledby': 'graph-h' }, h('div', { class: 'panel-head' }, h('h2', { id: 'graph-h' }, 'Graph'), legend, toolbar), dagScroll),
    h('section', { class: 'panel', 'aria-labelledby': 'timeline-h' }, h('div', { class: 'panel-head' }, h('h2', { id: 'timeline-h' }, 'Timeline'), h('span', { class: 'muted' }, 'bars: attempts · dashed: waiting to retry')), gantt.element),
    h(
      'div',
      { class: 'columns' },
      h('section', { class: 'panel', 'aria-labelledby': 'step-h' }, h('h2', { id: 'step-h' }, 'Step'), stepDetail),
      h(
        'section',
        { class: 'panel', 'aria-labelledby': 'logs-h' },
        h('div', { class: 'panel-head' }, h('h2', { id: 'logs-h' }, 'Logs'), h('label', { for: 'log-step', class: 'visually-hidden' }, 'Show logs of'), logFilter),
        logEmpty,
        logList,
      ),
    ),
    h('section', { class: 'panel', 'aria-labelledby': 'params-h' }, h('h2', { id: 'params-h' }, 'Parameters'), params),
  );

  // --- painting, batched per animation frame
  let firstPaintDone = false;
  const schedule = frameScheduler(flush);
  function flush() {
    if (disposed) return;
    if (dag) {
      for (const id of dirty) {
        const handle = dag.nodes.get(id);
        const step = model.steps.get(id);
        if (handle && step) paintNode(handle, step);
      }
      dirty.clear();
      if (!firstPaintDone) {
        firstPaintDone = true;
        requestAnimationFrame(() => {
          svg.dataset.firstRenderMs = String(Math.round(performance.now() - viewStarted));
          svg.dataset.ready = 'true';
        });
      }
    }
    for (const status of STEP_STATUSES) {
      const text = String(model.counts[status]);
      const node = legendCounts.get(status);
      if (node.textContent !== text) node.textContent = text;
    }
    flushLogLines();
    if (headDirty) paintHead();
    if (detailDirty) paintDetail();
    gantt.invalidate();
  }

  function paintHead() {
    headDirty = false;
    const execution = model.execution;
    if (!execution) return;
    title.textContent = execution.workflow;
    badge.dataset.status = execution.status;
    badge.textContent = execution.status;
    document.title = `${execution.workflow} · ${execution.status} · Portflow`;
    const live = execution.status === 'queued' || execution.status === 'running';
    cancelButton.hidden = !live;
    paintDuration();
    const rows = [
      ['Execution', h('span', { class: 'mono' }, execution.executionId)],
      ['Submitted', timeNode(execution.submittedAt)],
      ['Started', execution.startedAt ? timeNode(execution.startedAt) : execution.status === 'queued' ? `queued${execution.position ? ` (position ${execution.position})` : ''}` : '—'],
      ['Finished', execution.finishedAt ? timeNode(execution.finishedAt) : '—'],
    ];
    if (execution.runIds?.length > 1) rows.push(['Runs', `${execution.runIds.length} (resumed after a restart)`]);
    if (execution.idempotencyKey) rows.push(['Idempotency key', h('span', { class: 'mono' }, execution.idempotencyKey)]);
    if (execution.error) rows.push(['Error', h('span', { class: 'error-text' }, `${execution.error.name ?? 'Error'}: ${execution.error.message}`)]);
    if (execution.reason) rows.push(['Reason', execution.reason]);
    meta.replaceChildren(...rows.flatMap(([label, value]) => [h('dt', {}, label), h('dd', {}, value)]));
    params.textContent = JSON.stringify(execution.params ?? {}, null, 2);
  }

  function paintDuration() {
    const ms = executionDuration(model.execution);
    duration.textContent = ms === undefined ? '' : formatDuration(ms);
  }

  const ticker = setInterval(() => {
    const status = model.execution?.status;
    if (status === 'running') {
      paintDuration();
      gantt.invalidate();
    }
  }, 250);

  function timeNode(epochMs) {
    return h('time', { datetime: isoTime(epochMs), title: isoTime(epochMs) }, formatTime(epochMs));
  }

  // --- selecting a step
  function select(id, { fromFilter = false } = {}) {
    if (selected && dag?.nodes.get(selected)) dag.nodes.get(selected).g.classList.remove('selected');
    selected = id;
    if (id && dag?.nodes.get(id)) dag.nodes.get(id).g.classList.add('selected');
    if (!fromFilter) {
      if (id && ![...logFilter.options].some((o) => o.value === id)) logFilter.append(h('option', { value: id }, id));
      logFilter.value = id ?? '';
    }
    gantt.select(id);
    paintDetail();
    renderLogs();
  }

  svg.addEventListener('click', (event) => {
    const node = event.target.closest?.('[data-step]');
    if (node) select(node.getAttribute('data-step'));
  });
  svg.addEventListener('keydown', (event) => {
    if (event.key !== 'Enter' && event.key !== ' ') return;
    const node = event.target.closest?.('[data-step]');
    if (!node) return;
    event.preventDefault();
    select(node.getAttribute('data-step'));
  });

  function paintDetail() {
    detailDirty = false;
    if (!selected) return;
    const step = model.steps.get(selected);
    const declared = workflowSteps?.find((s) => s.id === selected);
    const parts = [
      h('h3', {}, h('span', { class: 'mono' }, selected), ' ', h('span', { class: 'badge', 'data-status': step?.status ?? 'waiting' }, step?.status ?? 'waiting')),
    ];
    const facts = [];
    if (declared?.component) facts.push(['Component', h('span', { class: 'mono' }, declared.component)]);
    if (declared?.dependsOn?.length) facts.push(['Depends on', declared.dependsOn.join(', ')]);
    if (step?.durationMs !== undefined) facts.push(['Duration', formatDuration(step.durationMs)]);
    if (step?.restoredFrom) facts.push(['Restored from run', h('span', { class: 'mono' }, step.restoredFrom)]);
    if (step?.reason) facts.push(['Reason', step.reason]);
    if (step?.error && step.status === 'failed') facts.push(['Error', h('span', { class: 'error-text' }, step.error.message)]);
    if (step?.progressMessage && step.status === 'running') facts.push(['Progress', step.progressMessage]);
    if (step?.outputs && Object.keys(step.outputs).length) facts.push(['Outputs', Object.entries(step.outputs).map(([k, v]) => `${k}: ${v}`).join(', ')]);
    if (facts.length) parts.push(h('dl', { class: 'meta compact' }, facts.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])));
    if (step?.attempts.length) {
      const items = [];
      for (const attempt of step.attempts) {
        const wait = step.waits.find((w) => w.attempt === attempt.attempt);
        if (wait) items.push(h('tr', { class: 'wait' }, h('td', {}, ''), h('td', { colspan: 4 }, `waited ${formatDuration((wait.end ?? wait.until) - wait.start)} before retrying`)));
        items.push(
          h(
            'tr',
            {},
            h('td', {}, `#${attempt.attempt}`),
            h('td', {}, timeNode(attempt.start)),
            h('td', { class: 'num' }, formatDuration((attempt.end ?? Date.now()) - attempt.start)),
            h('td', {}, h('span', { class: 'badge', 'data-status': attempt.outcome }, attempt.outcome)),
            h('td', { class: 'error-text' }, attempt.error?.message ?? ''),
          ),
        );
      }
      const open = step.waits.find((w) => w.end === undefined);
      if (open) items.push(h('tr', { class: 'wait' }, h('td', {}, ''), h('td', { colspan: 4 }, `retrying in ${formatDuration(open.until - Date.now())} (attempt ${open.attempt})`)));
      parts.push(
        h('table', { class: 'attempts' }, h('caption', { class: 'visually-hidden' }, 'Attempts'), h('thead', {}, h('tr', {}, ['Attempt', 'Started', 'Took', 'Outcome', 'Error'].map((t) => h('th', { scope: 'col' }, t)))), h('tbody', {}, items)),
      );
    } else if (step?.status === 'waiting') {
      parts.push(h('p', { class: 'muted' }, 'Not started yet.'));
    }
    stepDetail.replaceChildren(...parts);
  }

  // --- logs
  const logs = [];
  const logsByStep = new Map();
  const logKeys = new Set();
  let logsLoaded = false;
  let pendingLive = [];
  let pendingLines = [];

  function addLog(entry) {
    const key = `${entry.runId}|${entry.operationId}|${entry.attempt}|${entry.time}|${entry.level}|${entry.message}`;
    if (logKeys.has(key)) return;
    logKeys.add(key);
    logs.push(entry);
    let list = logsByStep.get(entry.operationId);
    if (!list) logsByStep.set(entry.operationId, (list = []));
    list.push(entry);
    if (selected === undefined || selected === entry.operationId) {
      pendingLines.push(entry);
      schedule();
    }
  }

  /** Appends the log lines that arrived since the last frame, in one go (one layout read, one write). */
  function flushLogLines() {
    if (pendingLines.length === 0) return;
    const lines = pendingLines.length > LOG_LINES_SHOWN ? pendingLines.slice(-LOG_LINES_SHOWN) : pendingLines;
    pendingLines = [];
    const atBottom = logList.scrollTop + logList.clientHeight >= logList.scrollHeight - 4;
    const fragment = document.createDocumentFragment();
    for (const entry of lines) fragment.append(logLine(entry));
    logList.append(fragment);
    for (let extra = logList.childElementCount - LOG_LINES_SHOWN; extra > 0; extra--) logList.firstElementChild.remove();
    logEmpty.hidden = true;
    if (atBottom) logList.scrollTop = logList.scrollHeight;
  }

  function logLine(entry) {
    const time = new Date(entry.time);
    const stamp = `${time.toLocaleTimeString(undefined, { hour12: false })}.${String(time.getMilliseconds()).padStart(3, '0')}`;
    return h(
      'li',
      { 'data-level': entry.level, 'data-step': undefined },
      h('time', { datetime: isoTime(entry.time) }, stamp),
      h('span', { class: 'log-step' }, entry.operationId ?? ''),
      h('span', { class: 'log-attempt' }, entry.attempt ? `#${entry.attempt}` : ''),
      h('span', { class: 'log-level' }, entry.level),
      h('span', { class: 'log-message' }, entry.message),
    );
  }

  function renderLogs() {
    pendingLines = [];
    const source = selected === undefined ? logs : (logsByStep.get(selected) ?? []);
    const shown = source.slice(-LOG_LINES_SHOWN);
    logList.replaceChildren(...shown.map(logLine));
    logEmpty.hidden = shown.length > 0;
    logEmpty.textContent = selected === undefined ? 'No log lines yet.' : `No log lines from ${selected} yet.`;
    logList.scrollTop = logList.scrollHeight;
  }

  async function loadLogs() {
    try {
      const { logs: entries = [] } = await api(`${path}/logs`, { signal });
      if (disposed) return;
      const live = pendingLive;
      pendingLive = [];
      logsLoaded = true;
      for (const entry of entries) addLog(entry);
      for (const entry of live) addLog(entry);
    } catch (error) {
      if (error instanceof AuthRequired) return askToken();
      logsLoaded = true;
      for (const entry of pendingLive.splice(0)) addLog(entry);
    }
  }

  // --- the workflow's DAG
  async function loadWorkflow(name) {
    workflowRequested = true;
    let steps;
    let note = '';
    try {
      const workflow = await api(`workflows/${encodeURIComponent(name)}`, { signal });
      steps = workflow.steps ?? [];
    } catch (error) {
      if (disposed || error?.name === 'AbortError') return;
      if (error instanceof AuthRequired) return askToken();
      steps = model.order.map((id) => ({ id, dependsOn: [] }));
      note = error instanceof ApiError && error.status === 404 ? `The service no longer serves workflow ${name}: its steps are drawn without their dependencies.` : `Could not load workflow ${name}: ${error.message}`;
    }
    if (disposed) return;
    workflowSteps = steps;
    model.declare(steps.map((s) => s.id));
    try {
      dag = drawDag(svg, steps);
    } catch (error) {
      dagScroll.replaceChildren(h('p', { class: 'error-text' }, `Could not draw the graph: ${error.message}`));
      return;
    }
    svg.dataset.layoutMs = String(Math.round(dag.layoutMs));
    svg.dataset.drawMs = String(Math.round(dag.drawMs));
    svg.dataset.steps = String(steps.length);
    dagScroll.replaceChildren(...(note ? [h('p', { class: 'muted' }, note)] : []), svg);
    setScale(dag.width > dagScroll.clientWidth ? Math.max(0.4, fitScale()) : 1);
    const extra = model.order.filter((id) => !dag.nodes.has(id));
    gantt.setRows([...dag.order, ...extra]);
    const options = document.createDocumentFragment();
    for (const id of dag.order) options.append(h('option', { value: id }, id));
    logFilter.append(options);
    if (selected) logFilter.value = selected;
    for (const id of model.steps.keys()) dirty.add(id);
    schedule();
  }

  function fitScale() {
    if (!dag) return 1;
    const width = dagScroll.clientWidth - 4;
    const height = Math.max(240, window.innerHeight * 0.6);
    return Math.min(1, width / Math.max(1, dag.width), height / Math.max(1, dag.height));
  }

  function setScale(next) {
    if (!dag) return;
    scale = Math.max(0.1, Math.min(3, next));
    svg.style.width = `${Math.ceil(dag.width * scale)}px`;
    svg.style.height = `${Math.ceil(dag.height * scale)}px`;
  }

  // --- cancel
  async function cancel() {
    cancelButton.disabled = true;
    cancelMessage.textContent = 'Cancelling…';
    try {
      const { cancelled } = await api(`${path}/cancel`, { method: 'POST', body: { reason: 'cancelled from the web view' } });
      cancelMessage.textContent = cancelled ? 'Cancel requested.' : 'It had already finished.';
    } catch (error) {
      if (error instanceof AuthRequired) return askToken();
      cancelMessage.textContent = `Could not cancel: ${error.message}`;
    } finally {
      cancelButton.disabled = false;
    }
  }

  // --- the event stream
  function onMessage({ event, data }) {
    if (disposed || data === undefined) return;
    switch (event) {
      case 'execution':
      case 'end':
        if (event === 'end') model.end(data);
        else model.setExecution(data);
        if (!workflowRequested && data.workflow) loadWorkflow(data.workflow);
        headDirty = true;
        if (event === 'end') connection.textContent = `ended ${data.status}`;
        break;
      case 'state':
        model.setState(data);
        headDirty = true;
        break;
      case 'engine':
        model.apply(data);
        if (data.type === 'RunCompleted') headDirty = true;
        break;
      case 'error':
        banner.hidden = false;
        banner.textContent = `The service could not stream this execution: ${data.message ?? data}`;
        return;
      case 'log':
        if (logsLoaded) addLog(data);
        else pendingLive.push(data);
        break;
      default:
        return;
    }
    schedule();
  }

  followEvents(`${path}/events`, {
    signal,
    onMessage,
    onAuth: askToken,
    onReconnect: loadLogs,
    onConnection(state) {
      if (disposed) return;
      connection.dataset.state = state;
      if (state === 'open') connection.textContent = '● live';
      else if (state === 'retrying') connection.textContent = 'reconnecting…';
      else if (!isFinished(model.execution?.status ?? '')) connection.textContent = '';
    },
  }).catch((error) => {
    if (disposed) return;
    if (error instanceof AuthRequired) return askToken();
    banner.hidden = false;
    banner.textContent = error instanceof ApiError && error.status === 404 ? `There is no execution ${executionId}.` : `Could not follow the execution: ${error.message}`;
    dagScroll.replaceChildren();
  });
  loadLogs();

  return {
    dispose() {
      disposed = true;
      controller.abort();
      clearInterval(ticker);
      gantt.dispose();
    },
  };
}
