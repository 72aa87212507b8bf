// Small DOM and formatting helpers.

/** `h('a', { href: '#/', class: 'x' }, 'text', child)`: an element. */
export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
    else if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

export const SVG_NS = 'http://www.w3.org/2000/svg';

export function s(tag, attrs = {}) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  return node;
}

/** `850 ms`, `12.3 s`, `4 min 05 s`, `1 h 02 min`. */
export function formatDuration(ms) {
  if (ms === undefined || ms === null || !Number.isFinite(ms)) return '';
  if (ms < 0) ms = 0;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const totalSeconds = Math.floor(ms / 1000);
  if (totalSeconds < 3600) return `${Math.floor(totalSeconds / 60)} min ${String(totalSeconds % 60).padStart(2, '0')} s`;
  const minutes = Math.floor(totalSeconds / 60);
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

/** A time of day for today, else the date and time. */
export function formatTime(epochMs) {
  if (epochMs === undefined || epochMs === null) return '';
  const date = new Date(epochMs);
  const now = new Date();
  const time = date.toLocaleTimeString(undefined, { hour12: false });
  if (date.toDateString() === now.toDateString()) return time;
  return `${date.toLocaleDateString()} ${time}`;
}

/** The precise time, for `title` and `datetime`. */
export function isoTime(epochMs) {
  return epochMs === undefined || epochMs === null ? '' : new Date(epochMs).toISOString();
}

/** Wall-clock duration of an execution: finished (or now, while it runs) minus started. */
export function executionDuration(execution, now = Date.now()) {
  if (!execution?.startedAt) return undefined;
  return (execution.finishedAt ?? now) - execution.startedAt;
}

/** Runs `fn` at most once per animation frame (or every 250 ms while the tab is hidden). */
export function frameScheduler(fn) {
  let scheduled = false;
  const run = () => {
    scheduled = false;
    fn();
  };
  return () => {
    if (scheduled) return;
    scheduled = true;
    if (document.hidden) setTimeout(run, 250);
    else requestAnimationFrame(run);
  };
}

export const EXECUTION_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'];
