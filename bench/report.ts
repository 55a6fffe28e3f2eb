import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { fileURLToPath } from 'node:url'
import type { Dialect } from './database.js'

/** One bar from the issue, with what this run measured against it. */
export interface Bar {
  name: string
  bar: string
  measured: string
  met: boolean
}

/** What one benchmark reports: its bars and its own markdown (tables and notes). */
export interface Section {
  title: string
  body: string
  bars: Bar[]
}

/** One store size of the login-scaling benchmark, in ms. */
export interface ScalingPoint {
  size: number
  pluginLogin: number
  pluginLoginP95: number
  plainLogin: number
  lookup: number
  scan: number
}

export interface RunInfo {
  dialect: Dialect
  server: string
  command: string
  startedAt: Date
  seconds: number
}

export const RESULTS_DIR = fileURLToPath(new URL('./results/', import.meta.url))

export function machine(): string {
  const cpu = cpus()
  return `${cpu.length} x ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, ${process.platform} ${process.arch}`
}

export function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n')
}

/** What one run of one benchmark left in bench/results/<dialect>.json. */
export interface StoredResult {
  section: Section
  scaling: ScalingPoint[] | null
  server: string
  command: string
  date: string
  seconds: number
  node: string
  machine: string
}

/**
 * Merges this run's results into bench/results/<dialect>.json (a benchmark run alone replaces
 * only its own entry) and renders <dialect>.md and the chart from the merged file.
 */
export function writeReport(
  info: RunInfo,
  results: Array<{
    name: string
    section: Section
    scaling: ScalingPoint[] | null
    seconds: number
  }>,
  order: readonly string[],
): { markdown: string; chart: string | null } {
  mkdirSync(RESULTS_DIR, { recursive: true })
  const jsonPath = `${RESULTS_DIR}${info.dialect}.json`
  const stored: Record<string, StoredResult> = existsSync(jsonPath)
    ? (JSON.parse(readFileSync(jsonPath, 'utf8')) as Record<string, StoredResult>)
    : {}
  for (const { name, section, scaling, seconds } of results) {
    stored[name] = {
      section,
      scaling,
      server: info.server,
      command: info.command,
      date: info.startedAt.toISOString().slice(0, 16).replace('T', ' '),
      seconds: Math.round(seconds),
      node: process.version,
      machine: machine(),
    }
  }
  writeFileSync(jsonPath, `${JSON.stringify(stored, null, 2)}\n`)
  const entries = order.filter((name) => stored[name]).map((name) => [name, stored[name]!] as const)
  const scaling = entries.find(([, entry]) => entry.scaling)?.[1]
  const bars = entries.flatMap(([, entry]) => entry.section.bars)
  const machines = [...new Set(entries.map(([, entry]) => `${entry.machine}, Node ${entry.node}`))]
  const markdown = [
    `# Benchmarks on ${info.server}`,
    '',
    `- Machine: ${machines.join('; ')}`,
    `- Dialect: ${info.dialect}`,
    '- Runs:',
    ...entries.map(
      ([name, entry]) => `  - ${name}: ${entry.date} UTC, ${entry.seconds} s, \`${entry.command}\``,
    ),
    '',
    'Every figure is a ratio of two things measured side by side in one run, interleaved so',
    'that noise hits both alike; absolute times are context. The machine is shared and noisy.',
    '',
    '## Bars',
    '',
    table(
      ['', 'bar', 'measured', ''],
      bars.map((b) => [b.name, b.bar, b.measured, b.met ? 'met' : '**missed**']),
    ),
    '',
    ...(scaling ? [`![Login time against store size](login-scaling-${info.dialect}.svg)`, ''] : []),
    ...entries.flatMap(([, entry]) => [
      `## ${entry.section.title}`,
      '',
      entry.section.body.trim(),
      '',
    ]),
  ].join('\n')
  writeFileSync(`${RESULTS_DIR}${info.dialect}.md`, markdown)
  let chart: string | null = null
  if (scaling?.scaling && scaling.scaling.length > 0) {
    chart = `${RESULTS_DIR}login-scaling-${info.dialect}.svg`
    writeFileSync(
      chart,
      scalingChart(scaling.scaling, { ...info, startedAt: new Date(`${scaling.date}Z`) }),
    )
  }
  return { markdown: `${RESULTS_DIR}${info.dialect}.md`, chart }
}

interface Series {
  label: string
  color: string
  dashed?: boolean
  values: Array<[number, number]>
}

/** A hand-written log-log line chart: store size on x, milliseconds on y. */
export function scalingChart(points: ScalingPoint[], info: RunInfo): string {
  const series: Series[] = [
    {
      label: 'plugin: login over HTTP (median)',
      color: '#1f77b4',
      values: points.map((p) => [p.size, p.pluginLogin]),
    },
    {
      label: 'plugin: login over HTTP (p95)',
      color: '#1f77b4',
      dashed: true,
      values: points.map((p) => [p.size, p.pluginLoginP95]),
    },
    {
      label: 'plain express-session login (median)',
      color: '#2ca02c',
      values: points.map((p) => [p.size, p.plainLogin]),
    },
    {
      label: "plugin: find a user's sessions (index)",
      color: '#9467bd',
      values: points.map((p) => [p.size, p.lookup]),
    },
    {
      label: "baseline: find a user's sessions by decoding every row",
      color: '#d62728',
      values: points.map((p) => [p.size, p.scan]),
    },
  ]
  const width = 760
  const height = 460
  const left = 70
  const right = 20
  const top = 50
  const bottom = 150
  const plotW = width - left - right
  const plotH = height - top - bottom
  const xs = points.map((p) => p.size)
  const ys = series.flatMap((s) => s.values.map(([, y]) => y)).filter((y) => y > 0)
  const xMin = Math.floor(Math.log10(Math.min(...xs)))
  const xMax = Math.ceil(Math.log10(Math.max(...xs)))
  const yMin = Math.floor(Math.log10(Math.min(...ys)))
  const yMax = Math.ceil(Math.log10(Math.max(...ys)))
  const x = (v: number) => left + ((Math.log10(v) - xMin) / Math.max(1, xMax - xMin)) * plotW
  const y = (v: number) => top + plotH - ((Math.log10(v) - yMin) / Math.max(1, yMax - yMin)) * plotH
  const out: string[] = []
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">Login time against store size (${escape(info.server)})</text>`,
    `<text x="${width / 2}" y="38" text-anchor="middle" fill="#555">log-log; ${escape(info.startedAt.toISOString().slice(0, 10))}, Node ${process.version}</text>`,
  )
  for (let e = xMin; e <= xMax; e++) {
    const px = x(10 ** e)
    out.push(
      `<line x1="${px}" y1="${top}" x2="${px}" y2="${top + plotH}" stroke="#ddd"/>`,
      `<text x="${px}" y="${top + plotH + 16}" text-anchor="middle">${sizeLabel(10 ** e)}</text>`,
    )
  }
  for (let e = yMin; e <= yMax; e++) {
    const py = y(10 ** e)
    out.push(
      `<line x1="${left}" y1="${py}" x2="${left + plotW}" y2="${py}" stroke="#ddd"/>`,
      `<text x="${left - 6}" y="${py + 4}" text-anchor="end">${msLabel(10 ** e)}</text>`,
    )
  }
  out.push(
    `<rect x="${left}" y="${top}" width="${plotW}" height="${plotH}" fill="none" stroke="#333"/>`,
    `<text x="${left + plotW / 2}" y="${top + plotH + 34}" text-anchor="middle">sessions in the store</text>`,
    `<text transform="translate(16 ${top + plotH / 2}) rotate(-90)" text-anchor="middle">time</text>`,
  )
  series.forEach((s, index) => {
    const valid = s.values.filter(([, v]) => v > 0)
    const path = valid.map(([sx, sy]) => `${x(sx).toFixed(1)},${y(sy).toFixed(1)}`).join(' ')
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : ''
    out.push(`<polyline points="${path}" fill="none" stroke="${s.color}" stroke-width="2"${dash}/>`)
    for (const [sx, sy] of valid) {
      out.push(
        `<circle cx="${x(sx).toFixed(1)}" cy="${y(sy).toFixed(1)}" r="3" fill="${s.color}"/>`,
      )
    }
    const ly = top + plotH + 52 + index * 18
    out.push(
      `<line x1="${left}" y1="${ly - 4}" x2="${left + 30}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2"${dash}/>`,
      `<text x="${left + 38}" y="${ly}">${escape(s.label)}</text>`,
    )
  })
  out.push('</svg>')
  return `${out.join('\n')}\n`
}

function sizeLabel(v: number): string {
  if (v >= 1e6) return `${v / 1e6}M`
  if (v >= 1e3) return `${v / 1e3}k`
  return String(v)
}

function msLabel(v: number): string {
  if (v >= 1000) return `${v / 1000} s`
  return `${v} ms`
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}
