import { randomBytes } from 'node:crypto'
import { mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { build } from 'esbuild'

const root = join(import.meta.dirname, '..', '..')

let bundle: Promise<string> | undefined

/**
 * The command line's source (src/cli/index.ts) compiled into one ES module, once per test
 * process, so that each run of it is a plain `node` process: starting through tsx costs about
 * 2 s a run, the bundle about 0.3 s. Packages stay external, resolved from node_modules as the
 * published build/cli/index.js resolves them. The file sits two folders below the project root,
 * as src/cli/program.ts does, so that it finds package.json the same way; it is deleted when the
 * process exits.
 */
export function cliBundle(): Promise<string> {
  bundle ??= (async () => {
    const dir = join(root, 'node_modules', '.cache')
    mkdirSync(dir, { recursive: true })
    const outfile = join(dir, `single-session-cli-${randomBytes(4).toString('hex')}.mjs`)
    process.once('exit', () => rmSync(outfile, { force: true }))
    await build({
      entryPoints: [join(root, 'src', 'cli', 'index.ts')],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      logLevel: 'warning',
    })
    return outfile
  })()
  return bundle
}
