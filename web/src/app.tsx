// The shell: sign-in, the header (navigation, live status, theme, sign out) and the
// hash-routed pages.
import { useEffect, useState } from 'preact/hooks';
import { api, AuthError, getToken, onAuthError, setToken } from './api.ts';
import { useRoute } from './hooks.ts';
import { connect, disconnect, onStatus, type LiveStatus } from './live.ts';
import { DrillPage, DrillsPage } from './pages/drills.tsx';
import { FleetPage } from './pages/fleet.tsx';
import { IncidentPage } from './pages/incident.tsx';
import { LedgerPage } from './pages/ledger.tsx';
import { SignIn } from './pages/signin.tsx';
import { VmPage } from './pages/vm.tsx';
import { nextTheme, type Theme } from './theme.ts';

type Auth = { state: 'checking' } | { state: 'out'; error?: string } | { state: 'in' };

export function App({ theme: initialTheme }: { theme: Theme }) {
  const [auth, setAuth] = useState<Auth>(getToken() ? { state: 'in' } : { state: 'out' });
  const [theme, setTheme] = useState(initialTheme);

  const signIn = async (token: string) => {
    setToken(token);
    setAuth({ state: 'checking' });
    try {
      await api.vms();
      setAuth({ state: 'in' });
    } catch (e) {
      setToken(null);
      setAuth({ state: 'out', error: e instanceof AuthError ? `${e.message} (HTTP ${e.status}) Check the token and sign in again.` : `Could not reach the API: ${(e as Error).message}` });
    }
  };

  useEffect(() => {
    // A stored token is used at once (no extra round trip): a refused one brings back the form.
    return onAuthError((e) => {
      setToken(null);
      setAuth({ state: 'out', error: `${e.message} (HTTP ${e.status}) Sign in again.` });
    });
  }, []);

  useEffect(() => {
    const t = getToken();
    if (auth.state === 'in' && t) connect(t);
    else disconnect();
  }, [auth.state]);

  const signOut = () => {
    setToken(null);
    setAuth({ state: 'out' });
  };

  return (
    <>
      <header class="top">
        <a class="brand" href="#/">bootmedic</a>
        {auth.state === 'in' && (
          <nav>
            <a href="#/">Fleet</a>
            <a href="#/drills">Drills</a>
            <a href="#/ledger">Ledger</a>
          </nav>
        )}
        <span class="spacer" />
        {auth.state === 'in' && <LiveDot />}
        <button type="button" class="ghost" title="Switch theme" onClick={() => setTheme(nextTheme(theme))}>{theme === 'auto' ? 'theme: auto' : theme === 'dark' ? 'theme: dark' : 'theme: light'}</button>
        {auth.state === 'in' && <button type="button" class="ghost" onClick={signOut}>Sign out</button>}
      </header>
      <main>
        {auth.state === 'checking' && <p class="muted">Checking the token…</p>}
        {auth.state === 'out' && <SignIn error={auth.error} onToken={(t) => void signIn(t)} />}
        {auth.state === 'in' && <Routes key={theme} />}
      </main>
    </>
  );
}

function Routes() {
  const [page, arg] = useRoute();
  switch (page) {
    case undefined:
      return <FleetPage />;
    case 'vms':
      return arg ? <VmPage name={arg} /> : <FleetPage />;
    case 'incidents':
      return arg ? <IncidentPage id={arg} /> : <FleetPage />;
    case 'drills':
      return arg ? <DrillPage id={arg} /> : <DrillsPage />;
    case 'ledger':
      return <LedgerPage />;
    default:
      return <p class="error">No page at #{location.hash.slice(1)}. <a href="#/">Back to the fleet</a></p>;
  }
}

function LiveDot() {
  const [s, setS] = useState<LiveStatus>('down');
  useEffect(() => onStatus(setS), []);
  const label = s === 'live' ? 'live' : s === 'connecting' ? 'connecting…' : 'offline';
  return <span class={`live ${s}`} role="status" title={`event stream: ${label}`}><i />{label}</span>;
}
