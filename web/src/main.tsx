import { render } from 'preact';
import { App } from './app.tsx';
import { applyTheme, storedTheme } from './theme.ts';
import './style.css';

const theme = storedTheme();
applyTheme(theme);
render(<App theme={theme} />, document.getElementById('app')!);
