/** Where the command line writes. The CLI is the only part of the package that prints. */
export const output = {
  /** Results: the table, the JSON, the report. */
  out(text: string): void {
    process.stdout.write(text.endsWith('\n') ? text : `${text}\n`)
  },
  /** Errors and warnings. */
  err(text: string): void {
    process.stderr.write(text.endsWith('\n') ? text : `${text}\n`)
  },
  /** JSON for scripts: pretty-printed, dates as ISO strings. */
  json(value: unknown): void {
    process.stdout.write(`${JSON.stringify(value, null, 2)}\n`)
  },
}
