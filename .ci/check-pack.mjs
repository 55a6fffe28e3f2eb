// The published package holds the built library, its types, the README and its docs pages (the
// README links them), the licence and the changelog: nothing else (no sources, tests, example
// app, images or databases).
import { execFileSync } from 'node:child_process'

const [pack] = JSON.parse(
  execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { encoding: 'utf8' }),
)
const files = pack.files.map((f) => f.path)
const allowed =
  /^(build\/.+\.(js|d\.ts|js\.map|d\.ts\.map)|README\.md|docs\/[\w-]+\.md|LICENSE|CHANGELOG\.md|package\.json)$/
const unexpected = files.filter((f) => !allowed.test(f))
const required = [
  'build/index.js',
  'build/index.d.ts',
  'build/adminjs/index.js',
  'build/adminjs/index.d.ts',
  'build/cli/index.js',
  'README.md',
  'docs/stores.md',
  'docs/options.md',
  'LICENSE',
  'package.json',
]
const missing = required.filter((f) => !files.includes(f))
if (unexpected.length || missing.length) {
  console.error('npm pack: unexpected files:', unexpected, 'missing:', missing)
  process.exit(1)
}
console.log(`npm pack: ${files.length} files, ${(pack.unpackedSize / 1024).toFixed(0)} kB unpacked`)
