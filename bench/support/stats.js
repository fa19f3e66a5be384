'use strict';

/** Small numeric helpers shared by the benchmarks. */

function sorted(values) {
  return [...values].sort((a, b) => a - b);
}

/** Percentile by linear interpolation between closest ranks (p in 0..100); null when empty. */
function percentile(values, p) {
  if (values.length === 0) return null;
  const ordered = sorted(values);
  const rank = (p / 100) * (ordered.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return ordered[low] + (ordered[high] - ordered[low]) * (rank - low);
}

function median(values) {
  return percentile(values, 50);
}

function mean(values) {
  return values.length === 0 ? null : values.reduce((sum, v) => sum + v, 0) / values.length;
}

/** Rounds to `digits` decimals, keeping null as null. */
function round(value, digits = 2) {
  if (value === null || value === undefined || !Number.isFinite(value)) return null;
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** tomo / baseline, or null when either is missing or the baseline is zero. */
function ratio(tomo, baseline) {
  if (tomo === null || baseline === null || !baseline) return null;
  return tomo / baseline;
}

module.exports = { percentile, median, mean, round, ratio };
