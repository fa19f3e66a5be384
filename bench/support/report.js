'use strict';

const { mkdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { ratio, round } = require('./stats');

const RESULTS_DIRECTORY = join(__dirname, '..', 'results');

/**
 * One line of the results table: a Tomo figure, the baseline measured in the same run, their
 * ratio (tomo / baseline) and, when the issue sets one, the target and whether it is met.
 * target: { on: 'ratio' | 'tomo', op: '>=' | '<=', value } or null for information only.
 * `valid: false` (errors or non-2xx during a load run) turns the verdict into INVALID.
 */
function makeRow({
  id,
  benchmark,
  metric,
  unit,
  tomo,
  baseline,
  baselineName,
  target = null,
  valid = true,
}) {
  const r = ratio(tomo, baseline);
  let pass = null;
  if (target) {
    const value = target.on === 'ratio' ? r : tomo;
    pass =
      value === null ? false : target.op === '>=' ? value >= target.value : value <= target.value;
    if (!valid) pass = false;
  }
  return {
    id,
    benchmark,
    metric,
    unit,
    tomo: round(tomo, 3),
    baseline: round(baseline, 3),
    baselineName,
    ratio: round(r, 3),
    target,
    pass,
    valid,
  };
}

function formatNumber(value, unit) {
  if (value === null || value === undefined) return '—';
  let digits = value < 100 ? 1 : 0;
  if (unit === 'ms') digits = value < 1 ? 3 : value < 10 ? 2 : 1;
  else if (unit === 'MiB') digits = 1;
  return value.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

function formatTarget(target, unit) {
  if (!target) return '—';
  const op = target.op === '>=' ? '≥' : '≤';
  return target.on === 'ratio' ? `ratio ${op} ${target.value}` : `${op} ${target.value} ${unit}`;
}

function verdict(row) {
  if (!row.valid) return '**INVALID**';
  if (row.pass === null) return 'info';
  return row.pass ? 'PASS' : '**MISS**';
}

/** The markdown report: run facts, the table, the baselines' legend. */
function renderMarkdown(report) {
  const { machine } = report;
  const lines = [
    `# Tomo benchmarks (${report.profile} run)`,
    '',
    `${report.generatedAt} · commit ${machine.commit ?? '?'}${machine.trackedChanges ? ' (with local changes)' : ''} · ` +
      `Node ${machine.node} · ${machine.availableParallelism} cores (${machine.cpuModel}) · ` +
      `load average ${machine.loadAverageAtStart.join(' / ')} at start, ${machine.loadAverageAtEnd.join(' / ')} at end · ` +
      `${report.options.connections} connections, ${report.options.warmupSeconds} s warm-up + ${report.options.durationSeconds} s measured per load run`,
    '',
    '| Benchmark | Metric | Tomo | Baseline | Ratio | Target | Result |',
    '|---|---|--:|--:|--:|---|---|',
  ];
  for (const row of report.rows) {
    lines.push(
      `| ${row.benchmark} | ${row.metric} (${row.unit}) | ${formatNumber(row.tomo, row.unit)} | ` +
        `${formatNumber(row.baseline, row.unit)} | ${row.ratio === null ? '—' : row.ratio.toFixed(2)} | ` +
        `${formatTarget(row.target, row.unit)} | ${verdict(row)} |`,
    );
  }
  const baselines = new Map();
  for (const row of report.rows) {
    const benchmarks = baselines.get(row.baselineName) ?? [];
    if (!benchmarks.includes(row.benchmark)) benchmarks.push(row.benchmark);
    baselines.set(row.baselineName, benchmarks);
  }
  lines.push('', 'Baselines (ratio = Tomo ÷ baseline):', '');
  for (const [name, benchmarks] of baselines) lines.push(`- ${benchmarks.join('; ')}: ${name}`);
  const { met, missed, invalid } = report.summary;
  lines.push('', `Targets: ${met} met, ${missed} missed${invalid ? `, ${invalid} invalid` : ''}.`);
  if (report.failures.length) {
    lines.push('', 'Benchmarks that could not run:', '');
    for (const failure of report.failures) lines.push(`- ${failure.benchmark}: ${failure.error}`);
  }
  if (report.skipped?.length) {
    lines.push('', 'Skipped benchmarks:', '');
    for (const skip of report.skipped) lines.push(`- ${skip.benchmark}: ${skip.reason}`);
  }
  return `${lines.join('\n')}\n`;
}

function summarize(rows) {
  const targeted = rows.filter((r) => r.target);
  return {
    targets: targeted.length,
    met: targeted.filter((r) => r.pass).length,
    missed: targeted.filter((r) => !r.pass && r.valid).length,
    invalid: targeted.filter((r) => !r.valid).length,
  };
}

/** Writes results/latest.json and results/latest.md; returns the markdown. */
function writeReport(report) {
  mkdirSync(RESULTS_DIRECTORY, { recursive: true });
  const markdown = renderMarkdown(report);
  writeFileSync(join(RESULTS_DIRECTORY, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(RESULTS_DIRECTORY, 'latest.md'), markdown);
  return markdown;
}

module.exports = { makeRow, summarize, writeReport, RESULTS_DIRECTORY };
