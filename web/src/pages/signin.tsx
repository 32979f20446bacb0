// The sign-in form: a bearer token (from `bootmedic token create`), kept in localStorage.
import { useState } from 'preact/hooks';

export function SignIn({ error, onToken }: { error: string | undefined; onToken: (t: string) => void }) {
  const [value, setValue] = useState('');
  return (
    <form class="card signin" onSubmit={(e) => { e.preventDefault(); if (value.trim()) onToken(value.trim()); }}>
      <h1>Sign in</h1>
      <p>Paste an API token. Make one on the host with <code>bootmedic token create --role viewer</code>.</p>
      {error && <p class="error" role="alert">{error}</p>}
      <label>Token <input name="token" type="password" autocomplete="off" required value={value} onInput={(e) => setValue((e.target as HTMLInputElement).value)} /></label>
      <button type="submit">Sign in</button>
    </form>
  );
}
