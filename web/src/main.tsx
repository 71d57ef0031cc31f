import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import App from './App';
import { forgetClosedBrowserSession } from './api';
import './index.css';

forgetClosedBrowserSession();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
