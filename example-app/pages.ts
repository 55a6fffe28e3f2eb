/** The example's HTML pages: plain, server-rendered, no client script. */

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

export function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
  body { font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem; color: #1c1c38; }
  form.stack { display: grid; gap: .75rem; max-width: 20rem; }
  input, button { font: inherit; padding: .5rem .75rem; }
  button { background: #3040d6; color: white; border: 0; border-radius: 4px; cursor: pointer; }
  .notice { padding: .75rem 1rem; border-radius: 4px; background: #fff4e5; border: 1px solid #f0b34a; }
  .error { background: #fdecec; border-color: #e25c5c; }
  nav a { margin-right: 1rem; }
</style>
</head>
<body>
${body}
</body>
</html>`
}

export function loginPage(options: { error?: string; email?: string } = {}): string {
  const error = options.error
    ? `<p class="notice error" role="alert">${escapeHtml(options.error)}</p>`
    : ''
  return layout(
    'Sign in',
    `<h1>Sign in</h1>
${error}
<form class="stack" method="post" action="/login">
  <label>Email <input name="email" type="email" autocomplete="username" required value="${escapeHtml(options.email ?? '')}"></label>
  <label>Password <input name="password" type="password" autocomplete="current-password" required></label>
  <button type="submit">Sign in</button>
</form>
<p>Demo accounts: admin@, root@, staff@, alice@, bob@example.com, password <code>password</code>.</p>`,
  )
}

export function homePage(user: { email: string } | null): string {
  if (!user) {
    return layout(
      'Example app',
      `<h1>Example app</h1><p>You are not signed in.</p><p><a href="/login">Sign in</a></p>`,
    )
  }
  return layout(
    'Example app',
    `<h1>Example app</h1>
<p>Signed in as <strong data-testid="current-user">${escapeHtml(user.email)}</strong>.</p>
<nav><a href="/admin">Admin panel</a></nav>
<form method="post" action="/logout"><button type="submit">Sign out</button></form>`,
  )
}
