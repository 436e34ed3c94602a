/** SVG and HTML timelines of a history (one lane per thread), for violations or any history. */
import { writeFileSync } from 'node:fs';
import { describeOp, isRelaxed } from './render.js';
import { isUnknown } from './search.js';
import type { Model, Operation, Violation } from './types.js';

export interface TimelineOptions {
  /**
   * Width of the drawing in pixels.
   * @default 1200
   */
  width?: number | undefined;
  /** Title drawn above the lanes. */
  title?: string | undefined;
  /** Operations drawn in red (for example the blocked ones of a violation). */
  highlight?: ReadonlySet<Operation<unknown, unknown>> | undefined;
  /** The number shown for each operation (default: its index in the array drawn). */
  numbers?: ReadonlyMap<Operation<unknown, unknown>, number> | undefined;
}

const LANE = 34;
const BAR = 22;
const LEFT = 110;
const TOP = 40;

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * Draw `ops` as an SVG: a lane per thread, a bar per operation from
 * invocation to response. Unknown outcomes are dashed bars running to the end;
 * relaxed ones are grey; highlighted ones red. The full description of each
 * operation is its tooltip and, when it fits, its label.
 */
export function renderSvg<S, I, O>(model: Model<S, I, O>, ops: readonly Operation<I, O>[], options: TimelineOptions = {}): string {
  const width = options.width ?? 1200;
  const threads = [...new Set(ops.map((op) => String(op.thread)))].sort();
  const t0 = Math.min(...ops.map((op) => op.call));
  const known = ops.filter((op) => !isUnknown(op as Operation<unknown, unknown>)).map((op) => op.ret as number);
  const t1 = Math.max(t0 + 1, ...ops.map((op) => op.call), ...known);
  const span = (t1 - t0) * 1.05;
  const x = (t: number): number => LEFT + ((t - t0) / span) * (width - LEFT - 10);
  const height = TOP + threads.length * LANE + 20;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="monospace" font-size="11">`,
    `<text x="4" y="16" font-size="13">${esc(options.title ?? `${ops.length} operations`)}</text>`,
  ];
  threads.forEach((t, lane) => {
    out.push(`<text x="4" y="${TOP + lane * LANE + 15}">thread ${esc(t)}</text>`);
    out.push(`<line x1="${LEFT}" x2="${width - 10}" y1="${TOP + lane * LANE + BAR + 4}" y2="${TOP + lane * LANE + BAR + 4}" stroke="#ddd"/>`);
  });
  ops.forEach((op, i) => {
    const lane = threads.indexOf(String(op.thread));
    const relaxed = isRelaxed(op as Operation<unknown, unknown>);
    const unknown = isUnknown(op as Operation<unknown, unknown>) && !(relaxed && op.ret !== undefined && op.ret !== Infinity);
    const a = x(op.call);
    const b = unknown ? width - 10 : Math.max(a + 2, x(op.ret as number));
    const y = TOP + lane * LANE;
    const red = options.highlight?.has(op as Operation<unknown, unknown>) === true;
    const fill = red ? '#f8c4c4' : relaxed ? '#eeeeee' : unknown ? '#fff2cc' : '#cfe2f3';
    const short = `#${options.numbers?.get(op as Operation<unknown, unknown>) ?? i}`;
    const label = `${short} ${describeOp(model, op)}`;
    out.push(
      `<g><title>${esc(label + (op.note === undefined ? '' : ` (${op.note})`))}</title>` +
        `<rect x="${a.toFixed(1)}" y="${y}" width="${(b - a).toFixed(1)}" height="${BAR}" fill="${fill}" stroke="${red ? '#c00' : '#678'}"${unknown ? ' stroke-dasharray="4 3"' : ''}/>` +
        `<text x="${(a + 3).toFixed(1)}" y="${y + 15}" clip-path="none">${esc(label.length * 6.6 < b - a ? label : short)}</text></g>`,
    );
  });
  out.push('</svg>');
  return out.join('\n');
}

/** Operations drawn at most; a longer witness is drawn around its end, where it fails. */
const MAX_DRAWN = 60;

/**
 * The operations to draw for a violation: all of them when few; else the
 * last MAX_DRAWN / 2 invoked, the blocked ones, and every operation whose
 * interval reaches into that window (so what overlaps the failure is shown).
 */
function focus<I, O>(violation: Violation<I, O>): { ops: Operation<I, O>[]; title: string } {
  const ops = [...violation.ops];
  if (ops.length <= MAX_DRAWN) return { ops, title: '' };
  const byCall = [...ops].sort((a, b) => a.call - b.call);
  const from = Math.min(
    (byCall[byCall.length - MAX_DRAWN / 2] as Operation<I, O>).call,
    ...violation.blocked.map((b) => b.op.call),
  );
  const shown = byCall.filter((op) => (isUnknown(op as Operation<unknown, unknown>) ? Infinity : (op.ret as number)) >= from);
  return { ops: shown, title: ` (the ${shown.length} operations reaching past the last ${MAX_DRAWN / 2} invocations, of ${ops.length})` };
}

/** A self-contained HTML page: the violation's text report and its timeline (around the failure when long). */
export function renderHtml<S, I, O>(model: Model<S, I, O>, violation: Violation<I, O>, options: TimelineOptions = {}): string {
  const highlight = new Set(violation.blocked.map((b) => b.op as Operation<unknown, unknown>));
  const f = focus(violation);
  const numbers = new Map(violation.ops.map((op, i) => [op as Operation<unknown, unknown>, i]));
  const svg = renderSvg(model, f.ops, { ...options, highlight, numbers, title: (options.title ?? `Not linearizable: ${violation.partition}`) + f.title });
  return [
    '<!doctype html><html><head><meta charset="utf-8"><title>Linearizability violation</title></head>',
    '<body style="font-family: sans-serif">',
    `<h1>Not linearizable: ${esc(violation.partition)}</h1>`,
    svg,
    `<pre>${esc(violation.text)}</pre>`,
    '</body></html>',
  ].join('\n');
}

/**
 * Write the violation's timeline to `file`: HTML (report and drawing) when
 * the name ends in .html, else the SVG drawing alone.
 */
export function writeTimeline<S, I, O>(file: string, model: Model<S, I, O>, violation: Violation<I, O>, options: TimelineOptions = {}): void {
  if (file.endsWith('.html')) {
    writeFileSync(file, renderHtml(model, violation, options));
    return;
  }
  const highlight = new Set(violation.blocked.map((b) => b.op as Operation<unknown, unknown>));
  const f = focus(violation);
  const numbers = new Map(violation.ops.map((op, i) => [op as Operation<unknown, unknown>, i]));
  writeFileSync(file, renderSvg(model, f.ops, { ...options, highlight, numbers, title: (options.title ?? `Not linearizable: ${violation.partition}`) + f.title }));
}
