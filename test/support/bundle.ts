import { randomBytes } from 'node:crypto'
import { rmSync } from 'node:fs'
import { basename, extname, join } from 'node:path'
import { build } from 'esbuild'

const root = join(import.meta.dirname, '..', '..')

const bundles = new Map<string, Promise<string>>()

/**
 * A TypeScript entry point (a path from the project root) compiled into plain ES modules, once
 * per test process, so that a child process runs it on plain `node`: starting through tsx costs
 * a second or two of CPU each time (the CLI: about 2 s a run, its bundle about 0.3 s).
 *
 * - Packages stay external, resolved from node_modules as the published build resolves them.
 * - A dynamic `import()` stays a module of its own, loaded only when it runs (code splitting):
 *   the example app without its panel never loads AdminJS.
 * - The output folder sits two folders below the project root, as src/cli/program.ts does, so
 *   that `../../package.json` is still the project's. It is deleted when the process exits.
 */
export function bundle(entry: string): Promise<string> {
  let built = bundles.get(entry)
  if (!built) {
    built = (async () => {
      const outdir = join(root, 'node_modules', `.test-bundle-${randomBytes(4).toString('hex')}`)
      process.once('exit', () => rmSync(outdir, { recursive: true, force: true }))
      await build({
        entryPoints: [join(root, entry)],
        outdir,
        bundle: true,
        splitting: true,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        packages: 'external',
        outExtension: { '.js': '.mjs' },
        logLevel: 'warning',
      })
      return join(outdir, `${basename(entry, extname(entry))}.mjs`)
    })()
    bundles.set(entry, built)
  }
  return built
}
