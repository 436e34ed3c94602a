/**
 * An SVG line chart: aggregate throughput (log scale) against thread count
 * (log2 scale), one line per contender. Hand-written SVG, no dependency.
 */
import { si } from './format.js';
import type { ContentionResult } from './results.js';

const W = 860;
const H = 520;
const PAD = { left: 80, right: 230, top: 50, bottom: 60 };
const COLORS = ['#d62728', '#7f7f7f', '#1f77b4', '#ff7f0e', '#2ca02c', '#98df8a', '#9467bd', '#c5b0d5', '#8c564b', '#e377c2', '#17becf', '#bcbd22'];

const POW10 = ['1', '10', '100', '1k', '10k', '100k', '1M', '10M', '100M', '1G', '10G'];

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function throughputChart(rows: readonly ContentionResult[], title: string): string {
  const contenders = [...new Set(rows.map((r) => r.contender))];
  const threads = [...new Set(rows.map((r) => r.threads))].sort((a, b) => a - b);
  const values = rows.map((r) => r.opsPerSec).filter((v) => v > 0);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${PAD.left}" y="28" font-size="16">${esc(title)}</text>`,
  ];
  if (values.length === 0 || threads.length === 0) {
    out.push(`<text x="${PAD.left}" y="${H / 2}">no contention results in this run</text>`, '</svg>');
    return out.join('\n');
  }
  const lo = Math.floor(Math.log10(Math.min(...values)));
  const hi = Math.ceil(Math.log10(Math.max(...values)));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const t0 = Math.log2(threads[0] ?? 1);
  const t1 = Math.log2(threads[threads.length - 1] ?? 1);
  const x = (t: number): number => PAD.left + (t1 === t0 ? plotW / 2 : ((Math.log2(t) - t0) / (t1 - t0)) * plotW);
  const y = (v: number): number => PAD.top + plotH - ((Math.log10(v) - lo) / Math.max(1, hi - lo)) * plotH;

  for (let e = lo; e <= hi; e++) {
    const yy = y(10 ** e).toFixed(1);
    out.push(`<line x1="${PAD.left}" x2="${PAD.left + plotW}" y1="${yy}" y2="${yy}" stroke="#ddd"/>`);
    out.push(`<text x="${PAD.left - 8}" y="${yy}" text-anchor="end" dominant-baseline="middle">${POW10[e] ?? si(10 ** e)}</text>`);
  }
  for (const t of threads) {
    const xx = x(t).toFixed(1);
    out.push(`<line x1="${xx}" x2="${xx}" y1="${PAD.top}" y2="${PAD.top + plotH}" stroke="#eee"/>`);
    out.push(`<text x="${xx}" y="${PAD.top + plotH + 18}" text-anchor="middle">${t}</text>`);
  }
  out.push(`<text x="${PAD.left + plotW / 2}" y="${H - 18}" text-anchor="middle">threads</text>`);
  out.push(`<text transform="translate(20 ${PAD.top + plotH / 2}) rotate(-90)" text-anchor="middle">aggregate ops/s (log scale)</text>`);

  contenders.forEach((c, i) => {
    const color = COLORS[i % COLORS.length] ?? '#000';
    const pts = rows.filter((r) => r.contender === c && r.opsPerSec > 0).sort((a, b) => a.threads - b.threads);
    const path = pts.map((r) => `${x(r.threads).toFixed(1)},${y(r.opsPerSec).toFixed(1)}`).join(' ');
    out.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${path}"/>`);
    for (const r of pts) {
      out.push(`<circle cx="${x(r.threads).toFixed(1)}" cy="${y(r.opsPerSec).toFixed(1)}" r="3" fill="${color}"><title>${esc(`${c} @${r.threads}: ${si(r.opsPerSec)} ops/s`)}</title></circle>`);
    }
    const ly = PAD.top + 10 + i * 20;
    out.push(`<line x1="${W - PAD.right + 20}" x2="${W - PAD.right + 44}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="3"/>`);
    out.push(`<text x="${W - PAD.right + 50}" y="${ly}" dominant-baseline="middle">${esc(c)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
