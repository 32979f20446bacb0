import { render } from 'preact';
import { setToken } from './api.ts';
import { App } from './app.tsx';
import { applyTheme, storedTheme } from './theme.ts';
import './style.css';

// `bootmedic run` prints the dashboard's address as `/#token=<viewer token>`: the token is
// kept like one typed into the sign-in form, then dropped from the address bar and the
// history, so it is not left in a bookmark or a screenshot.
const fromLink = /^#token=([A-Za-z0-9_-]{8,200})$/.exec(location.hash);
if (fromLink) {
  setToken(fromLink[1]!);
  history.replaceState(null, '', `${location.pathname}${location.search}#/`);
}

const theme = storedTheme();
applyTheme(theme);
render(<App theme={theme} />, document.getElementById('app')!);
