export type Align = 'left' | 'right'

/**
 * An aligned plain-text table, kubectl-style: upper-case headers, two spaces between columns,
 * no borders. `align` is per column (default left).
 */
export function formatTable(
  headers: readonly string[],
  rows: ReadonlyArray<readonly string[]>,
  align: readonly Align[] = [],
): string {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)),
  )
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => {
        const width = widths[column] ?? 0
        return align[column] === 'right' ? cell.padStart(width) : cell.padEnd(width)
      })
      .join('  ')
      .trimEnd()
  return [line(headers), ...rows.map(line)].join('\n')
}

/** `2026-01-31 14:05:09`, in UTC (say so in the header). */
export function formatTime(date: Date | null | undefined): string {
  if (!date || Number.isNaN(date.getTime())) return '-'
  return date.toISOString().slice(0, 19).replace('T', ' ')
}

/** `1 session`, `2 sessions`. */
export function plural(count: number, noun: string, pluralNoun = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : pluralNoun}`
}

/** Label / value lines, the values right-aligned in one column. */
export function formatPairs(pairs: ReadonlyArray<readonly [string, string]>): string {
  const labelWidth = Math.max(0, ...pairs.map(([label]) => label.length))
  const valueWidth = Math.max(0, ...pairs.map(([, value]) => value.length))
  return pairs
    .map(([label, value]) => `${label.padEnd(labelWidth)}  ${value.padStart(valueWidth)}`)
    .join('\n')
}
