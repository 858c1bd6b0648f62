// vigil dashboard: progressive extras only. Every page works without this file.
// - forms with data-confirm ask before they submit (delete, revoke);
// - buttons with data-copy copy the text of the element they name (secrets shown once);
// - the new-endpoint form shows only the chosen kind's fields (data-kinds);
// - an element with data-refresh=N is refreshed in place every N seconds (overview states).
'use strict';
document.documentElement.classList.add('js');
document.addEventListener('submit', (e) => {
  const message = e.target.getAttribute && e.target.getAttribute('data-confirm');
  if (message && !window.confirm(message)) e.preventDefault();
});
document.addEventListener('click', (e) => {
  const button = e.target.closest && e.target.closest('[data-copy]');
  if (!button) return;
  const source = document.getElementById(button.getAttribute('data-copy'));
  if (!source || !navigator.clipboard) return;
  navigator.clipboard.writeText(source.textContent.trim()).then(() => { button.textContent = 'Copied'; }, () => {});
});
// The new-endpoint form shows every kind's fields; with script, only the chosen kind's.
const kind = document.querySelector('select[name=kind]');
if (kind) {
  const show = () => document.querySelectorAll('[data-kinds]').forEach((group) => {
    group.hidden = !group.getAttribute('data-kinds').split(' ').includes(kind.value);
  });
  kind.addEventListener('change', show);
  show();
}
const live = document.querySelector('[data-refresh]');
if (live) {
  const seconds = Math.max(15, Number(live.getAttribute('data-refresh')) || 60);
  setInterval(async () => {
    if (document.hidden) return;
    try {
      const res = await fetch(window.location.href, { credentials: 'same-origin', headers: { accept: 'text/html' } });
      if (!res.ok || res.redirected) return;
      const doc = new DOMParser().parseFromString(await res.text(), 'text/html');
      const fresh = doc.querySelector('[data-refresh]');
      const target = document.querySelector('[data-refresh]');
      if (fresh && target) target.replaceWith(fresh);
    } catch { /* offline: keep what is shown */ }
  }, seconds * 1000);
}
