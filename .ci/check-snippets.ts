// Type-checks every ```ts snippet of README.md and docs/*.md against the built package (run
// `npm run build` first): each snippet becomes a module of its own in a temporary folder, where
// 'adminjs-single-session' and 'adminjs-single-session/adminjs' resolve to build/, and
// `tsc --noEmit` checks them all under strict settings. Fails naming the file and the snippet.
//
// A snippet must compile as written: what it leaves out (your app, your model, a store made in
// another snippet) it declares itself, e.g. `declare const sequelize: Sequelize`.
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'

const root = resolve(import.meta.dirname, '..')
const sources = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`),
]

interface Snippet {
  file: string
  number: number // 1-based, among the file's ```ts blocks
  line: number // the first code line in the Markdown file
  code: string
}

const snippets: Snippet[] = []
for (const file of sources) {
  const lines = readFileSync(join(root, file), 'utf8').split('\n')
  let number = 0
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```ts\s*$/.exec(lines[i] ?? '')
    if (!open) continue
    const indent = open[1] ?? ''
    const start = i + 1
    let end = start
    while (end < lines.length && (lines[end] ?? '').trim() !== '```') end++
    if (end === lines.length) throw new Error(`${file}:${i + 1}: unclosed \`\`\`ts block`)
    number++
    const code = lines
      .slice(start, end)
      .map((line) => (line.startsWith(indent) ? line.slice(indent.length) : line))
      .join('\n')
    snippets.push({ file, number, line: start + 1, code })
    i = end
  }
}

// Inside node_modules so that the snippets' other imports resolve to the project's packages.
mkdirSync(join(root, 'node_modules', '.cache'), { recursive: true })
const dir = mkdtempSync(join(root, 'node_modules', '.cache', 'snippets-'))
const build = join(root, 'build')
const names = new Map<string, Snippet>()
try {
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }))
  for (const [index, snippet] of snippets.entries()) {
    const name = `snippet-${String(index + 1).padStart(3, '0')}.ts`
    names.set(name, snippet)
    // `export {}` makes every snippet a module, so that their top-level names never collide.
    writeFileSync(join(dir, name), `${snippet.code}\nexport {}\n`)
  }
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        lib: ['ES2023'],
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        noUncheckedIndexedAccess: true,
        noImplicitReturns: true,
        esModuleInterop: true,
        skipLibCheck: true,
        noEmit: true,
        types: ['node'],
        paths: {
          'adminjs-single-session': [join(build, 'index.d.ts')],
          'adminjs-single-session/adminjs': [join(build, 'adminjs', 'index.d.ts')],
        },
      },
      include: ['*.ts'],
    }),
  )
  readFileSync(join(build, 'index.d.ts')) // fails clearly when the package is not built

  let output = ''
  try {
    execFileSync(
      process.execPath,
      [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir, '--pretty', 'false'],
      { encoding: 'utf8', stdio: 'pipe' },
    )
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string }
    output = `${failed.stdout ?? ''}${failed.stderr ?? ''}`.trim()
    if (!output) throw error
  }

  if (output) {
    for (const line of output.split('\n')) {
      const match = /^(?:.*[\\/])?(snippet-\d+\.ts)\((\d+),(\d+)\): (.*)$/.exec(line)
      const snippet = match && names.get(match[1] ?? '')
      if (match && snippet) {
        const at = snippet.line + Number(match[2]) - 1
        console.error(`${snippet.file}:${at}:${match[3]} (snippet ${snippet.number}): ${match[4]}`)
      } else {
        console.error(line)
      }
    }
    process.exitCode = 1
  } else {
    console.log(
      `check-snippets: ${snippets.length} TypeScript snippets in ${sources.length} files compile`,
    )
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}
