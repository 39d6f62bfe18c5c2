/** Small statistics and machine facts shared by the benchmark sections. */
import { cpus, totalmem } from 'node:os';

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The p-th percentile (0..100) of a list, nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/** "model, N cores, M GiB RAM". */
export function machineLine(): string {
  const list = cpus();
  return `${list[0]?.model.trim() ?? 'unknown CPU'}, ${list.length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM`;
}

/** Format a number with thousands separators and `digits` decimals. */
export function fmt(value: number, digits = 0): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** A least-squares line y = intercept + slope * x, with how well it fits. */
export interface LinearFit {
  readonly slope: number;
  readonly intercept: number;
  /** Standard deviation of the points around the line (n - 2 degrees of freedom), in y's unit. */
  readonly residualSd: number;
  /** Standard error of the slope, in y's unit per x's unit. */
  readonly slopeSe: number;
  readonly n: number;
}

/**
 * Fit a line to the points (xs[i], ys[i]) by ordinary least squares. At least three
 * points with at least two distinct x values; otherwise the figures are NaN.
 */
export function linearFit(xs: readonly number[], ys: readonly number[]): LinearFit {
  const n = Math.min(xs.length, ys.length);
  const mean = (v: readonly number[]) => v.slice(0, n).reduce((a, b) => a + b, 0) / n;
  const mx = mean(xs);
  const my = mean(ys);
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (xs[i]! - mx) ** 2;
    sxy += (xs[i]! - mx) * (ys[i]! - my);
  }
  if (n < 3 || sxx === 0) return { slope: NaN, intercept: NaN, residualSd: NaN, slopeSe: NaN, n };
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  let sse = 0;
  for (let i = 0; i < n; i++) sse += (ys[i]! - intercept - slope * xs[i]!) ** 2;
  const residualSd = Math.sqrt(sse / (n - 2));
  return { slope, intercept, residualSd, slopeSe: residualSd / Math.sqrt(sxx), n };
}
