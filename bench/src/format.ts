/** Number formatting shared by the Markdown report and the chart. */

export function si(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const a = Math.abs(n);
  if (a >= 1e9) return `${(n / 1e9).toFixed(2)}G`;
  if (a >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (a >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return n.toFixed(a >= 100 ? 0 : 1);
}

/** Three significant digits, no exponent for the ranges we print. */
export function num(n: number | null | undefined): string {
  if (n === null || n === undefined) return 'n/a';
  if (!Number.isFinite(n)) return String(n);
  const a = Math.abs(n);
  if (a >= 1000) return Math.round(n).toLocaleString('en-US');
  if (a >= 100) return n.toFixed(0);
  if (a >= 10) return n.toFixed(1);
  if (a >= 1) return n.toFixed(2);
  return n.toPrecision(3);
}

export function pct(x: number | null | undefined): string {
  return x === null || x === undefined ? 'n/a' : `${(x * 100).toFixed(x < 0.1 ? 1 : 0)} %`;
}

export function signedPct(x: number): string {
  const p = x * 100;
  return `${p >= 0 ? '+' : ''}${p.toFixed(1)} %`;
}
