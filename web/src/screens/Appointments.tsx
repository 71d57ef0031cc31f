// The Appointments tab: book, and a filtered, paged list where status and notes
// change in place. The schedule (day/week per doctor) is a second view.
import { useState } from 'react';
import { api, APPOINTMENT_STATUSES, type AppointmentStatus } from '../api';
import { usePatientParam } from '../components/PatientPicker';
import { Pager } from '../components/Pager';
import { LoadingBlock } from '../components/Spinner';
import { EmptyState, ErrorState } from '../components/States';
import { btn, panel, panelTitle } from '../components/styles';
import { SelectField, TextField } from '../components/Field';
import { DoctorList, useDoctors } from '../lib/doctors';
import { statusLabel, today } from '../lib/format';
import { useAsync, useCursorStack, useDebounced, useReloadOnChange } from '../lib/hooks';
import { Link, useLocation } from '../router';
import { useSession } from '../session';
import { AppointmentCard } from './AppointmentCard';
import { AppointmentForm } from './AppointmentForm';

export const APPOINTMENT_PAGE_SIZE = 20;

/** List / Schedule switch shared by both appointment views. */
export function AppointmentViews({ current }: { current: 'list' | 'schedule' }) {
  const item = (key: 'list' | 'schedule', to: string, label: string) => (
    <Link
      to={to}
      aria-current={current === key ? 'page' : undefined}
      className={`rounded-md px-3 py-1.5 text-sm font-medium ${
        current === key ? 'bg-white text-slate-900 shadow-sm ring-1 ring-slate-200' : 'text-slate-700 hover:text-slate-900'
      }`}
    >
      {label}
    </Link>
  );
  return (
    <nav aria-label="Appointment views" className="mb-4 inline-flex gap-1 rounded-lg bg-slate-100 p-1">
      {item('list', '/appointments', 'List')}
      {item('schedule', '/appointments/schedule', 'Day / week schedule')}
    </nav>
  );
}

interface Filters {
  from: string;
  to: string;
  doctor: string;
  status: AppointmentStatus | '';
}

export function AppointmentsScreen() {
  const { can } = useSession();
  const { query } = useLocation();
  const preselected = usePatientParam(query.get('patient'));
  const slot =
    query.get('doctor') && query.get('date') && query.get('time')
      ? { doctor: query.get('doctor')!, date: query.get('date')!, time: query.get('time')! }
      : null;
  const doctors = useDoctors();
  const [filters, setFilters] = useState<Filters>({ from: today(), to: '', doctor: '', status: '' });
  const doctor = useDebounced(filters.doctor.trim(), 300);
  const pages = useCursorStack();

  const setFilter = (key: keyof Filters, value: string) => {
    setFilters({ ...filters, [key]: value });
    pages.reset();
  };

  const list = useAsync(
    (signal) =>
      api.appointments.list(
        {
          from: filters.from,
          to: filters.to,
          doctor_name: doctor,
          status: filters.status,
          limit: APPOINTMENT_PAGE_SIZE,
          cursor: pages.cursor,
        },
        signal,
      ),
    [filters.from, filters.to, filters.status, doctor, pages.cursor],
  );
  useReloadOnChange(list.reload, (path) => path.startsWith('/api/appointments') || path.startsWith('/api/patients'));

  const filtered = filters.from !== '' || filters.to !== '' || filters.doctor !== '' || filters.status !== '';

  return (
    <div>
      <AppointmentViews current="list" />
      <div className={`grid gap-6 ${can('appointments.create') ? 'lg:grid-cols-[minmax(0,5fr)_minmax(0,7fr)]' : ''}`}>
        {can('appointments.create') && (
          <section className={`${panel} h-fit p-5`} aria-labelledby="book-title">
            <h2 id="book-title" className={`${panelTitle} mb-4`}>
              Book appointment
            </h2>
            <AppointmentForm doctors={doctors} initialPatient={preselected} initialSlot={slot} />
          </section>
        )}
        <section className={`${panel} p-5`} aria-labelledby="appointments-title">
          <h2 id="appointments-title" className={`${panelTitle} mb-4`}>
            Appointments
          </h2>
          <fieldset className="mb-4 grid gap-3 rounded-lg bg-slate-50 p-3 sm:grid-cols-2 xl:grid-cols-4">
            <legend className="sr-only">Filter appointments</legend>
            <TextField
              id="filter-from"
              label="From"
              type="date"
              value={filters.from}
              onChange={(e) => setFilter('from', e.target.value)}
            />
            <TextField
              id="filter-to"
              label="To"
              type="date"
              value={filters.to}
              onChange={(e) => setFilter('to', e.target.value)}
            />
            <TextField
              id="filter-doctor"
              label="Doctor"
              list="filter-doctor-names"
              autoComplete="off"
              value={filters.doctor}
              onChange={(e) => setFilter('doctor', e.target.value)}
            />
            <DoctorList id="filter-doctor-names" names={doctors.names} />
            <SelectField
              id="filter-status"
              label="Status"
              value={filters.status}
              onChange={(e) => setFilter('status', e.target.value)}
            >
              <option value="">Any status</option>
              {APPOINTMENT_STATUSES.map((s) => (
                <option key={s} value={s}>
                  {statusLabel(s)}
                </option>
              ))}
            </SelectField>
            {filtered && (
              <div className="sm:col-span-2 xl:col-span-4">
                <button
                  type="button"
                  className={`${btn.quiet} ${btn.small}`}
                  onClick={() => {
                    setFilters({ from: '', to: '', doctor: '', status: '' });
                    pages.reset();
                  }}
                >
                  Show all appointments
                </button>
              </div>
            )}
          </fieldset>
          {list.error ? (
            <ErrorState error={list.error} onRetry={list.reload} />
          ) : !list.data ? (
            <LoadingBlock label="Loading appointments…" />
          ) : list.data.items.length === 0 ? (
            <EmptyState title={filtered ? 'No appointments match these filters' : 'No appointments yet'}>
              {filtered ? 'Change or clear the filters to see more.' : 'Book one with the form.'}
            </EmptyState>
          ) : (
            <ul className={`space-y-3 ${list.loading ? 'opacity-60' : ''}`} aria-busy={list.loading} aria-label="Appointments">
              {list.data.items.map((a) => (
                <AppointmentCard key={`${a.id}-${a.updated_at}`} appointment={a} />
              ))}
            </ul>
          )}
          <Pager data={list.data} pages={pages} pageSize={APPOINTMENT_PAGE_SIZE} noun="appointments" />
        </section>
      </div>
    </div>
  );
}
