// Light, dark, or the system's choice (prefers-color-scheme); the choice is kept in
// localStorage and applied as <html data-theme>.
export type Theme = 'auto' | 'light' | 'dark';
const KEY = 'bootmedic.theme';

export function storedTheme(): Theme {
  const t = localStorage.getItem(KEY);
  return t === 'light' || t === 'dark' ? t : 'auto';
}

export function applyTheme(t: Theme): void {
  if (t === 'auto') {
    delete document.documentElement.dataset['theme'];
    localStorage.removeItem(KEY);
  } else {
    document.documentElement.dataset['theme'] = t;
    localStorage.setItem(KEY, t);
  }
}

export function nextTheme(t: Theme): Theme {
  const n: Theme = t === 'auto' ? 'dark' : t === 'dark' ? 'light' : 'auto';
  applyTheme(n);
  return n;
}
