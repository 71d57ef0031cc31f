import { render } from '@testing-library/react';
import App from '../App';

/** Renders the whole app at path, as a browser opening that URL. */
export function renderAt(path: string) {
  window.history.replaceState(null, '', path);
  return render(<App />);
}
