// Choose a patient by typing part of a name, email or phone: a combobox that asks
// the server (so it works with any number of patients) and is usable by keyboard.
import { useEffect, useId, useState } from 'react';
import { api, type Patient } from '../api';
import { formatDate } from '../lib/format';
import { useDebounced } from '../lib/hooks';
import { input, inputBad, inputOk, btn } from './styles';

export interface PatientRef {
  id: number;
  name: string;
  mrn?: string;
}

interface PatientPickerProps {
  label?: string;
  value: PatientRef | null;
  onChange: (patient: PatientRef | null) => void;
  error?: string;
  required?: boolean;
}

export function PatientPicker({ label = 'Patient', value, onChange, error, required }: PatientPickerProps) {
  const id = useId();
  const listId = `${id}-list`;
  const [text, setText] = useState('');
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const [options, setOptions] = useState<Patient[]>([]);
  const [searching, setSearching] = useState(false);
  const q = useDebounced(text.trim(), 250);

  useEffect(() => {
    if (!open || value) return;
    const ctrl = new AbortController();
    setSearching(true);
    api.patients.list({ q, limit: 8 }, ctrl.signal).then(
      (page) => {
        setOptions(page.items);
        setActive(0);
        setSearching(false);
      },
      () => {
        if (!ctrl.signal.aborted) setSearching(false);
      },
    );
    return () => ctrl.abort();
  }, [q, open, value]);

  function choose(p: Patient) {
    onChange({ id: p.id, name: p.name, mrn: p.mrn });
    setText('');
    setOpen(false);
  }

  function onKeyDown(e: React.KeyboardEvent<HTMLInputElement>) {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      setOpen(true);
      setActive((a) => Math.min(a + 1, options.length - 1));
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      setActive((a) => Math.max(a - 1, 0));
    } else if (e.key === 'Enter' && open && options[active]) {
      e.preventDefault();
      choose(options[active]);
    } else if (e.key === 'Escape') {
      setOpen(false);
    }
  }

  const describedBy = error ? `${id}-error` : undefined;

  return (
    <div className="relative">
      <label htmlFor={id} className="mb-1 block text-sm font-medium text-slate-700">
        {label}
        {required && (
          <span className="text-red-700" aria-hidden="true">
            {' '}
            *
          </span>
        )}
      </label>
      {value ? (
        <div
          className={`flex items-center justify-between gap-2 rounded-md border bg-sky-50 px-3 py-1.5 text-sm ${error ? inputBad : 'border-sky-200'}`}
        >
          <span className="font-medium text-slate-900" data-testid="picked-patient">
            {value.name} <span className="font-normal text-slate-600">{value.mrn ?? `#${value.id}`}</span>
          </span>
          <button
            id={id}
            type="button"
            className={`${btn.quiet} ${btn.small}`}
            onClick={() => {
              onChange(null);
              setOpen(true);
            }}
            aria-label={`Change patient (now ${value.name})`}
          >
            Change
          </button>
        </div>
      ) : (
        <input
          id={id}
          type="text"
          role="combobox"
          autoComplete="off"
          aria-autocomplete="list"
          aria-expanded={open}
          aria-controls={listId}
          aria-activedescendant={open && options[active] ? `${listId}-${options[active].id}` : undefined}
          aria-invalid={error ? true : undefined}
          aria-describedby={describedBy}
          placeholder="Search by name, email or phone"
          className={`${input} ${error ? inputBad : inputOk}`}
          value={text}
          onChange={(e) => {
            setText(e.target.value);
            setOpen(true);
          }}
          onFocus={() => setOpen(true)}
          onBlur={() => setTimeout(() => setOpen(false), 150)}
          onKeyDown={onKeyDown}
        />
      )}
      {open && !value && (
        <ul
          id={listId}
          role="listbox"
          aria-label="Matching patients"
          className="absolute z-20 mt-1 max-h-72 w-full overflow-auto rounded-md border border-slate-200 bg-white py-1 text-sm shadow-lg"
        >
          {options.map((p, i) => (
            <li
              key={p.id}
              id={`${listId}-${p.id}`}
              role="option"
              aria-selected={i === active}
              className={`cursor-pointer px-3 py-2 ${i === active ? 'bg-sky-100' : ''}`}
              onMouseDown={(e) => e.preventDefault()}
              onMouseEnter={() => setActive(i)}
              onClick={() => choose(p)}
            >
              <span className="font-medium text-slate-900">{p.name}</span>
              <span className="block text-xs text-slate-600">
                {p.mrn ? `${p.mrn} · ` : ''}Born {formatDate(p.date_of_birth)} · {p.email}
              </span>
            </li>
          ))}
          {!searching && options.length === 0 && (
            <li className="px-3 py-2 text-slate-600" role="presentation">
              No patient matches “{q}”
            </li>
          )}
          {searching && options.length === 0 && (
            <li className="px-3 py-2 text-slate-600" role="presentation">
              Searching…
            </li>
          )}
        </ul>
      )}
      {error && (
        <p id={`${id}-error`} className="mt-1 text-xs font-medium text-red-700" data-field-error>
          {error}
        </p>
      )}
    </div>
  );
}

/** Loads the patient named by a ?patient= id, for screens opened from a patient page. */
export function usePatientParam(idText: string | null): PatientRef | null {
  const [patient, setPatient] = useState<PatientRef | null>(null);
  useEffect(() => {
    const id = Number(idText);
    if (!idText || !Number.isInteger(id) || id <= 0) return;
    const ctrl = new AbortController();
    api.patients.get(id, ctrl.signal).then(
      (p) => setPatient({ id: p.id, name: p.name, mrn: p.mrn }),
      () => {},
    );
    return () => ctrl.abort();
  }, [idText]);
  return patient;
}
