// The Patients tab: add a patient, and find one among any number of them with a
// debounced server-side search and cursor paging.
import { useEffect, useState } from 'react';
import { api, type Patient } from '../api';
import { Badge } from '../components/Badge';
import { DeleteButton } from '../components/ConfirmDialog';
import { Pager } from '../components/Pager';
import { LoadingBlock } from '../components/Spinner';
import { EmptyState, ErrorState } from '../components/States';
import { btn, input, inputOk, link, panel, panelTitle } from '../components/styles';
import { useAction } from '../lib/forms';
import { age, formatDate, mailtoHref, telHref } from '../lib/format';
import { useAsync, useCursorStack, useDebounced, useReloadOnChange } from '../lib/hooks';
import { Link, navigate, useLocation } from '../router';
import { useSession } from '../session';
import { PatientForm } from './PatientForm';

export const PATIENT_PAGE_SIZE = 20;

export function PatientsScreen() {
  const { can } = useSession();
  const { query } = useLocation();
  const [text, setText] = useState(query.get('q') ?? '');
  const q = useDebounced(text.trim(), 300);
  const pages = useCursorStack();

  // The search lives in the URL, so Back from a patient page returns to it.
  useEffect(() => {
    navigate(q ? `/patients?q=${encodeURIComponent(q)}` : '/patients', { replace: true });
    pages.reset();
  }, [q]);

  const list = useAsync(
    (signal) => api.patients.list({ q, limit: PATIENT_PAGE_SIZE, cursor: pages.cursor }, signal),
    [q, pages.cursor],
  );
  useReloadOnChange(list.reload, (path) => path.startsWith('/api/patients'));

  return (
    <div className={`grid gap-6 ${can('patients.create') ? 'lg:grid-cols-[minmax(0,5fr)_minmax(0,7fr)]' : ''}`}>
      {can('patients.create') && (
        <section className={`${panel} h-fit p-5`} aria-labelledby="add-patient-title">
          <h2 id="add-patient-title" className={`${panelTitle} mb-4`}>
            Add new patient
          </h2>
          <PatientForm clinical={can('patients.clinical')} />
        </section>
      )}
      {/* On a phone the search comes first, above the form; side by side from lg. */}
      <section className={`${panel} order-first p-5 lg:order-none`} aria-labelledby="patients-title">
        <div className="mb-4 flex flex-wrap items-end justify-between gap-3">
          <h2 id="patients-title" className={panelTitle}>
            All patients
          </h2>
          <div className="w-full sm:w-72">
            <label htmlFor="patient-search" className="mb-1 block text-sm font-medium text-slate-700">
              Search patients
            </label>
            <input
              id="patient-search"
              type="search"
              className={`${input} ${inputOk}`}
              placeholder="Name, email or phone"
              value={text}
              onChange={(e) => setText(e.target.value)}
            />
          </div>
        </div>
        <PatientList
          loading={list.loading}
          error={list.error}
          patients={list.data?.items}
          q={q}
          onRetry={list.reload}
        />
        <Pager data={list.data} pages={pages} pageSize={PATIENT_PAGE_SIZE} noun="patients" />
      </section>
    </div>
  );
}

interface PatientListProps {
  loading: boolean;
  error: unknown;
  patients?: Patient[];
  q: string;
  onRetry: () => void;
}

function PatientList({ loading, error, patients, q, onRetry }: PatientListProps) {
  if (error) return <ErrorState error={error} onRetry={onRetry} />;
  if (!patients) return <LoadingBlock label="Loading patients…" />;
  if (patients.length === 0) {
    return q ? (
      <EmptyState title={`No patient matches “${q}”`}>Try part of the name, the email or the phone number.</EmptyState>
    ) : (
      <EmptyState title="No patients yet">Patients you add appear here.</EmptyState>
    );
  }
  return (
    <ul className={`space-y-3 ${loading ? 'opacity-60' : ''}`} aria-busy={loading} aria-label="Patients">
      {patients.map((p) => (
        <PatientCard key={p.id} patient={p} />
      ))}
    </ul>
  );
}

export function PatientCard({ patient }: { patient: Patient }) {
  const { can } = useSession();
  const [, run] = useAction();
  const years = age(patient.date_of_birth);
  return (
    <li className="rounded-lg border border-slate-200 p-4 hover:border-slate-300" data-testid="patient-card">
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0">
          <p className="flex flex-wrap items-center gap-2">
            <Link to={`/patients/${patient.id}`} className={`${link} text-base`}>
              {patient.name}
            </Link>
            {patient.blood_group && <Badge tone="red">{patient.blood_group}</Badge>}
          </p>
          <p className="mt-1 text-sm text-slate-600">
            Born {formatDate(patient.date_of_birth)}
            {years !== null && ` · age ${years}`} · {patient.mrn ?? `#${patient.id}`}
          </p>
          <p className="mt-0.5 break-all text-sm text-slate-600">
            {patient.email && (
              <a href={mailtoHref(patient.email)} className={link}>
                {patient.email}
              </a>
            )}
            {patient.phone && (
              <>
                {patient.email && ' · '}
                <a href={telHref(patient.phone)} className={link}>
                  {patient.phone}
                </a>
              </>
            )}
          </p>
        </div>
        <div className="flex shrink-0 gap-2">
          {can('patients.update') && (
            <Link
              to={`/patients/${patient.id}/edit`}
              className={`${btn.secondary} ${btn.small}`}
              aria-label={`Edit ${patient.name}`}
            >
              Edit
            </Link>
          )}
          {can('patients.delete') && (
            <DeleteButton
              what={`patient ${patient.name}`}
              detail={<p>They leave the patient list and search, and their future appointments are cancelled. Their records are kept.</p>}
              onDelete={() => run(() => api.patients.remove(patient.id), `Deleted patient ${patient.name}.`)}
            />
          )}
        </div>
      </div>
    </li>
  );
}
