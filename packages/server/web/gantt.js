// The timeline: one row per step, a bar per attempt, the waits before
// retries in between. Drawn on one canvas, only the rows in view, at most
// once per animation frame.
import { formatDuration, frameScheduler, h } from './util.js';

const ROW = 22;
const AXIS = 24;
const MAX_HEIGHT = 380;
const TICKS = [50, 100, 250, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000, 7_200_000, 21_600_000];

export function createGantt(model, { onSelect = () => {} } = {}) {
  const canvas = h('canvas', { class: 'gantt-canvas', role: 'img', 'aria-label': 'Timeline of each step’s attempts; the selected step’s attempts are listed as text below' });
  const spacer = h('div', { class: 'gantt-spacer' });
  const tip = h('div', { class: 'gantt-tip', hidden: true, role: 'tooltip' });
  const scroller = h('div', { class: 'gantt-scroll' }, canvas, spacer);
  const element = h('div', { class: 'gantt' }, scroller, tip);
  let rows = [];
  let index = new Map();
  let selected;
  let geometry = { width: 0, height: 0, labelWidth: 170, t0: 0, span: 1 };
  const css = getComputedStyle(document.documentElement);
  const color = (name, fallback) => css.getPropertyValue(name).trim() || fallback;
  const colors = {
    running: color('--st-running', '#2563eb'),
    succeeded: color('--st-succeeded', '#16a34a'),
    failed: color('--st-failed', '#dc2626'),
    cancelled: color('--st-cancelled', '#6b7280'),
    retrying: color('--st-retrying', '#d97706'),
    restored: color('--st-restored', '#0d9488'),
    skipped: color('--st-skipped', '#9ca3af'),
    waiting: color('--st-waiting', '#cbd5e1'),
    text: color('--fg', '#0f172a'),
    muted: color('--muted', '#64748b'),
    grid: color('--grid', '#e2e8f0'),
    zebra: color('--zebra', '#f8fafc'),
    selected: color('--selected-bg', '#e0f2fe'),
    bg: color('--panel', '#ffffff'),
  };

  const schedule = frameScheduler(draw);

  function setRows(ids) {
    rows = [...ids];
    index = new Map(rows.map((id, i) => [id, i]));
    layout();
  }

  /** A step seen in events but not in the drawn workflow gets a row at the end. */
  function ensureRow(id) {
    if (index.has(id)) return;
    index.set(id, rows.length);
    rows.push(id);
    layout();
  }

  function layout() {
    const content = AXIS + rows.length * ROW + 4;
    const height = Math.min(content, MAX_HEIGHT);
    spacer.style.height = `${content - height}px`;
    canvas.style.height = `${height}px`;
    schedule();
  }

  function timeRange() {
    const execution = model.execution;
    const t0 = Math.min(execution?.startedAt ?? Infinity, model.firstTime ?? Infinity);
    if (!Number.isFinite(t0)) return undefined;
    const finished = execution?.finishedAt;
    const end = finished ? Math.max(finished, model.lastTime ?? 0) : Math.max(Date.now(), model.lastTime ?? 0);
    return { t0, end, live: !finished };
  }

  function draw() {
    const dpr = window.devicePixelRatio || 1;
    const width = scroller.clientWidth;
    const height = parseFloat(canvas.style.height) || AXIS;
    if (width === 0) return;
    if (canvas.width !== Math.round(width * dpr) || canvas.height !== Math.round(height * dpr)) {
      canvas.width = Math.round(width * dpr);
      canvas.height = Math.round(height * dpr);
      canvas.style.width = `${width}px`;
    }
    const ctx = canvas.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = colors.bg;
    ctx.fillRect(0, 0, width, height);
    ctx.font = '12px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    const labelWidth = Math.min(220, Math.max(120, width * 0.22));
    const range = timeRange();
    const plot = Math.max(10, width - labelWidth - 14);
    const span = range ? Math.max(range.end - range.t0, 1000) : 1;
    const x = (t) => labelWidth + ((t - range.t0) / span) * plot;
    geometry = { width, height, labelWidth, t0: range?.t0 ?? 0, span, plot };

    // rows in view
    const top = scroller.scrollTop;
    const first = Math.max(0, Math.floor(top / ROW));
    const last = Math.min(rows.length - 1, Math.ceil((top + height - AXIS) / ROW));
    const now = Date.now();
    ctx.save();
    ctx.beginPath();
    ctx.rect(0, AXIS, width, height - AXIS);
    ctx.clip();
    for (let i = first; i <= last; i++) {
      const id = rows[i];
      const step = model.steps.get(id);
      const y = AXIS + i * ROW - top;
      if (id === selected) {
        ctx.fillStyle = colors.selected;
        ctx.fillRect(0, y, width, ROW);
      } else if (i % 2 === 1) {
        ctx.fillStyle = colors.zebra;
        ctx.fillRect(0, y, width, ROW);
      }
      const status = step?.status ?? 'waiting';
      ctx.fillStyle = colors[status] ?? colors.waiting;
      ctx.beginPath();
      ctx.arc(9, y + ROW / 2, 4, 0, Math.PI * 2);
      ctx.fill();
      ctx.fillStyle = colors.text;
      ctx.save();
      ctx.beginPath();
      ctx.rect(0, y, labelWidth - 6, ROW);
      ctx.clip();
      ctx.fillText(id, 18, y + ROW / 2);
      ctx.restore();
      if (!step || !range) continue;
      for (const wait of step.waits) {
        const from = x(wait.start);
        const planned = x(wait.until);
        const to = x(wait.end ?? Math.min(now, wait.until));
        ctx.strokeStyle = colors.retrying;
        ctx.setLineDash([3, 3]);
        ctx.beginPath();
        ctx.moveTo(from, y + ROW / 2);
        ctx.lineTo(Math.max(from + 1, wait.end ? to : planned), y + ROW / 2);
        ctx.stroke();
        ctx.setLineDash([]);
      }
      for (const attempt of step.attempts) {
        const from = x(attempt.start);
        const to = x(attempt.end ?? (range.live ? now : range.end));
        ctx.fillStyle = colors[attempt.outcome] ?? colors.running;
        const w = Math.max(2, to - from);
        ctx.fillRect(from, y + 4, w, ROW - 8);
        if (w > 26 && step.attempts.length > 1) {
          ctx.fillStyle = '#fff';
          ctx.fillText(`#${attempt.attempt}`, from + 4, y + ROW / 2);
        }
      }
      if (step.restoredAt !== undefined) {
        const at = x(step.restoredAt);
        ctx.fillStyle = colors.restored;
        ctx.beginPath();
        ctx.moveTo(at, y + 5);
        ctx.lineTo(at + 6, y + ROW / 2);
        ctx.lineTo(at, y + ROW - 5);
        ctx.lineTo(at - 6, y + ROW / 2);
        ctx.fill();
      }
    }
    ctx.restore();

    // axis on top (drawn last: it stays put while the rows scroll)
    ctx.fillStyle = colors.bg;
    ctx.fillRect(0, 0, width, AXIS);
    ctx.strokeStyle = colors.grid;
    ctx.beginPath();
    ctx.moveTo(0, AXIS - 0.5);
    ctx.lineTo(width, AXIS - 0.5);
    ctx.stroke();
    ctx.fillStyle = colors.muted;
    if (!range) {
      ctx.fillText(rows.length ? 'No attempt has started yet' : '', labelWidth, AXIS / 2);
      return;
    }
    const step = TICKS.find((t) => (span / t) * 80 <= plot) ?? TICKS[TICKS.length - 1];
    for (let t = 0; t <= span; t += step) {
      const at = x(range.t0 + t);
      ctx.strokeStyle = colors.grid;
      ctx.beginPath();
      ctx.moveTo(at + 0.5, AXIS - 6);
      ctx.lineTo(at + 0.5, height);
      ctx.stroke();
      ctx.fillStyle = colors.muted;
      ctx.fillText(t === 0 ? '0' : `+${formatDuration(t)}`, at + 3, AXIS / 2);
    }
    ctx.fillText('step', 18, AXIS / 2);
    if (range.live) {
      const at = x(now);
      ctx.strokeStyle = colors.running;
      ctx.beginPath();
      ctx.moveTo(at + 0.5, 0);
      ctx.lineTo(at + 0.5, height);
      ctx.stroke();
    }
  }

  function hit(event) {
    const rect = canvas.getBoundingClientRect();
    const px = event.clientX - rect.left;
    const py = event.clientY - rect.top;
    if (py < AXIS) return undefined;
    const row = Math.floor((py - AXIS + scroller.scrollTop) / ROW);
    const id = rows[row];
    if (id === undefined) return undefined;
    const t = geometry.t0 + ((px - geometry.labelWidth) / geometry.plot) * geometry.span;
    return { id, t, px, py };
  }

  function describe(found) {
    const step = model.steps.get(found.id);
    if (!step) return found.id;
    const slack = (geometry.span / geometry.plot) * 3;
    for (const attempt of step.attempts) {
      const end = attempt.end ?? Date.now();
      if (found.t >= attempt.start - slack && found.t <= end + slack) {
        return `${found.id} · attempt ${attempt.attempt} · ${attempt.outcome} · ${formatDuration(end - attempt.start)}${attempt.error ? ` · ${attempt.error.message}` : ''}`;
      }
    }
    for (const wait of step.waits) {
      const end = wait.end ?? wait.until;
      if (found.t >= wait.start && found.t <= end) return `${found.id} · waiting ${formatDuration(wait.until - wait.start)} before attempt ${wait.attempt}`;
    }
    return `${found.id} · ${step.status}`;
  }

  canvas.addEventListener('mousemove', (event) => {
    const found = hit(event);
    if (!found) {
      tip.hidden = true;
      return;
    }
    tip.textContent = describe(found);
    tip.hidden = false;
    tip.style.left = `${Math.min(found.px + 12, geometry.width - 260)}px`;
    tip.style.top = `${found.py + 14}px`;
  });
  canvas.addEventListener('mouseleave', () => (tip.hidden = true));
  canvas.addEventListener('click', (event) => {
    const found = hit(event);
    if (found) onSelect(found.id);
  });
  scroller.addEventListener('scroll', schedule, { passive: true });
  const resize = new ResizeObserver(schedule);
  resize.observe(scroller);

  return {
    element,
    setRows,
    ensureRow,
    invalidate: schedule,
    select(id) {
      selected = id;
      const i = index.get(id);
      if (i !== undefined) {
        const rowTop = i * ROW;
        const view = (parseFloat(canvas.style.height) || 0) - AXIS;
        if (rowTop < scroller.scrollTop || rowTop + ROW > scroller.scrollTop + view) scroller.scrollTop = Math.max(0, rowTop - view / 2);
      }
      schedule();
    },
    dispose() {
      resize.disconnect();
    },
  };
}
