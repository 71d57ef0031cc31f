// Small hooks the screens share: loading data, debouncing, form drafts, paging.
import { useCallback, useEffect, useRef, useState } from 'react';
import { dataChanged } from '../api';

export interface Async<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/** Runs load whenever deps change (aborting the previous run) or reload is called. */
export function useAsync<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[]): Async<T> {
  const [state, setState] = useState<{ data?: T; error: unknown; loading: boolean }>({ error: null, loading: true });
  const [version, setVersion] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    const ctrl = new AbortController();
    setState((s) => ({ ...s, loading: true, error: null }));
    loadRef.current(ctrl.signal).then(
      (data) => {
        if (!ctrl.signal.aborted) setState({ data, error: null, loading: false });
      },
      (error) => {
        if (!ctrl.signal.aborted) setState({ error, loading: false });
      },
    );
    return () => ctrl.abort();
  }, [...deps, version]);

  const reload = useCallback(() => setVersion((v) => v + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}

/** value, settled for delay ms. */
export function useDebounced<T>(value: T, delay = 300): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setSettled(value), delay);
    return () => clearTimeout(t);
  }, [value, delay]);
  return settled;
}

/** Reloads when any write succeeds anywhere in the app. */
export function useReloadOnChange(reload: () => void, match?: (path: string) => boolean): void {
  const matchRef = useRef(match);
  matchRef.current = match;
  useEffect(
    () =>
      dataChanged.subscribe((path) => {
        if (!matchRef.current || matchRef.current(path)) reload();
      }),
    [reload],
  );
}

const DRAFT_PREFIX = 'hms.draft.';

/**
 * Form state kept in sessionStorage while the user types, so nothing is lost when
 * an expired session sends them to the login screen (or the page reloads). Call
 * clear after a successful submit or an explicit cancel.
 */
export function useDraft<T extends object>(key: string, initial: T): [T, (next: T) => void, () => void, boolean] {
  const storageKey = DRAFT_PREFIX + key;
  const [restored] = useState(() => sessionStorage.getItem(storageKey) !== null);
  const [value, setValue] = useState<T>(() => {
    const saved = sessionStorage.getItem(storageKey);
    if (!saved) return initial;
    try {
      return { ...initial, ...(JSON.parse(saved) as T) };
    } catch {
      return initial;
    }
  });

  const update = useCallback(
    (next: T) => {
      setValue(next);
      sessionStorage.setItem(storageKey, JSON.stringify(next));
    },
    [storageKey],
  );
  const clear = useCallback(() => {
    sessionStorage.removeItem(storageKey);
    setValue(initial);
    // initial is a fresh object each render; the key identifies the draft.
  }, [storageKey]);
  return [value, update, clear, restored];
}

export interface CursorStack {
  /** The cursor of the page on screen; null for the first. */
  cursor: string | null;
  /** 1 for the first page. */
  page: number;
  next: (cursor: string) => void;
  previous: () => void;
  reset: () => void;
}

/**
 * Cursor paging with a stack of the cursors that led to each page, so "Previous"
 * works with a server that only hands out "next" cursors. reset() goes back to the
 * first page (call it when the query changes).
 */
export function useCursorStack(): CursorStack {
  const [stack, setStack] = useState<(string | null)[]>([null]);
  return {
    cursor: stack[stack.length - 1],
    page: stack.length,
    next: (cursor: string) => setStack((s) => [...s, cursor]),
    previous: () => setStack((s) => (s.length > 1 ? s.slice(0, -1) : s)),
    reset: () => setStack((s) => (s.length === 1 && s[0] === null ? s : [null])),
  };
}
