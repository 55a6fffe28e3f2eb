/**
 * The example's HTML pages: plain, server-rendered. The one client script is on the signed-in
 * home page: the library's, which tells the page at once when its session ends.
 */

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
  body { font-family: system-ui, sans-serif; max-width: 62rem; margin: 3rem auto; padding: 0 1rem; color: #1c1c38; }
  form.stack { display: grid; gap: .75rem; max-width: 20rem; }
  input, button { font: inherit; padding: .5rem .75rem; }
  button { background: #3040d6; color: white; border: 0; border-radius: 4px; cursor: pointer; }
  .notice { padding: .75rem 1rem; border-radius: 4px; background: #fff4e5; border: 1px solid #f0b34a; }
  .error { background: #fdecec; border-color: #e25c5c; }
  nav a { margin-right: 1rem; }
  table { border-collapse: collapse; width: 100%; margin: 1rem 0; }
  th, td { text-align: left; padding: .5rem; border-bottom: 1px solid #ddd; white-space: nowrap; }
  tr.current { background: #eef1ff; }
  td form { margin: 0; }
</style>
</head>
<body>
${body}
</body>
</html>`
}

export function loginPage(
  options: { error?: string; email?: string; notice?: string } = {},
): string {
  const error = options.error
    ? `<p class="notice error" role="alert">${escapeHtml(options.error)}</p>`
    : options.notice
      ? `<p class="notice" role="status" data-testid="signed-out-reason">${escapeHtml(options.notice)}</p>`
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

export function homePage(user: { email: string } | null, notice?: string): string {
  if (!user) {
    const why = notice
      ? `<p class="notice" role="status" data-testid="signed-out-reason">${escapeHtml(notice)}</p>`
      : ''
    return layout(
      'Example app',
      `<h1>Example app</h1>${why}<p>You are not signed in.</p><p><a href="/login">Sign in</a></p>`,
    )
  }
  return layout(
    'Example app',
    `<h1>Example app</h1>
<p>Signed in as <strong data-testid="current-user">${escapeHtml(user.email)}</strong>.</p>
<nav><a href="/account/sessions">My devices</a><a href="/admin">Admin panel</a></nav>
<form method="post" action="/logout"><button type="submit">Sign out</button></form>
<p class="notice" role="status" data-testid="signed-out-reason" hidden></p>
<script src="/session-events.js"></script>
<script>${SIGNED_OUT_SCRIPT}</script>`,
  )
}

/**
 * When the session ends, /signed-out says why in the sentence the login page would use; the page shows
 * it in place, without a reload.
 */
const SIGNED_OUT_SCRIPT = `
SingleSessionEvents.watch({
  url: '/account/events',
  onOpen: function () { document.body.dataset.events = 'open' },
  onEnded: function () {
    fetch('/signed-out', { headers: { Accept: 'application/json' } })
      .then(function (response) { return response.json() })
      .catch(function () { return {} })
      .then(function (body) {
        var notice = document.querySelector('[data-testid="signed-out-reason"]')
        notice.textContent = body.message || 'You were signed out.'
        notice.hidden = false
        document.querySelectorAll('nav, form').forEach(function (el) { el.remove() })
      })
  }
})`

export function devicesPage(
  sessions: ReadonlyArray<{
    id: number
    device: { label: string }
    ip: string | null
    createdAt: Date
    lastSeenAt: Date
    timesOutAt: Date | null
    current: boolean
  }>,
): string {
  const when = (date: Date) =>
    escapeHtml(date.toISOString().replace('T', ' ').slice(0, 16) + ' UTC')
  const rows = sessions
    .map(
      (s) => `<tr${s.current ? ' class="current"' : ''}>
  <td>${escapeHtml(s.device.label)}${s.current ? ' <strong>(this device)</strong>' : ''}</td>
  <td>${escapeHtml(s.ip ?? '')}</td>
  <td>${when(s.createdAt)}</td>
  <td>${when(s.lastSeenAt)}</td>
  <td>${s.timesOutAt ? when(s.timesOutAt) : 'never'}</td>
  <td>${s.current ? '' : `<form method="post" action="/account/sessions/${s.id}/logout"><button type="submit">Sign out</button></form>`}</td>
</tr>`,
    )
    .join('\n')
  return layout(
    'My devices',
    `<h1>My devices</h1>
<p>These are the browsers and devices signed in to your account.</p>
<table>
<thead><tr><th>Device</th><th>IP address</th><th>Signed in</th><th>Last active</th><th>Times out</th><th></th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
<form method="post" action="/account/sessions/logout-others"><button type="submit">Sign out all other devices</button></form>
<p><a href="/">Home</a></p>`,
  )
}
