// One patient: the profile, their appointments and their medical records as a timeline.
import { useState } from 'react';
import { api, type Patient } from '../api';
import { Badge } from '../components/Badge';
import { DeleteButton } from '../components/ConfirmDialog';
import { LoadingBlock } from '../components/Spinner';
import { EmptyState, ErrorState } from '../components/States';
import { btn, link, panel, panelTitle } from '../components/styles';
import { useAction } from '../lib/forms';
import { age, formatDate, formatDateTime, genderLabel, mailtoHref, telHref } from '../lib/format';
import { useAsync, useReloadOnChange } from '../lib/hooks';
import { Link, navigate } from '../router';
import { useSession } from '../session';
import { AppointmentCard } from './AppointmentCard';
import { PatientForm } from './PatientForm';
import { RecordForm } from './RecordForm';
import { RecordTimeline } from './RecordTimeline';
import { PatientBanner } from '../components/PatientBanner';
import { PatientChart } from './chart/PatientChart';
import { MergeDialog } from './MergeDialog';

export function PatientPage({ id }: { id: number }) {
  const { can } = useSession();
  // Admins (who may delete, restore and merge) open deactivated and merged patients too.
  const admin = can('patients.delete');
  const patient = useAsync((signal) => api.patients.get(id, signal, admin), [id, admin]);
  useReloadOnChange(patient.reload, (path) => [`/api/patients/${id}`, `/api/patients/${id}/restore`].includes(path));

  if (patient.error) {
    return (
      <div className="space-y-4">
        <BackLink />
        <ErrorState error={patient.error} onRetry={patient.reload} />
      </div>
    );
  }
  if (!patient.data) return <LoadingBlock label="Loading patient…" />;
  return <PatientDetails patient={patient.data} />;
}

function BackLink() {
  return (
    <Link to="/patients" className={`${link} text-sm`}>
      ← All patients
    </Link>
  );
}

function PatientDetails({ patient: p }: { patient: Patient }) {
  const { can } = useSession();
  const [, run] = useAction();
  const [merging, setMerging] = useState(false);
  const years = age(p.date_of_birth);
  const active = p.active !== false;
  return (
    <div className="space-y-6">
      <div>
        <BackLink />
        <div className="mt-2 flex flex-wrap items-center justify-between gap-3">
          <h2 className="flex flex-wrap items-center gap-2 text-2xl font-semibold text-slate-900">
            {p.name}
            {p.blood_group && <Badge tone="red">{p.blood_group}</Badge>}
          </h2>
          <div className="flex flex-wrap gap-2">
            {!active && !p.replaced_by && can('patients.delete') && (
              <button
                type="button"
                className={btn.primary}
                onClick={() => run(() => api.patients.restore(p.id), `Restored patient ${p.name}.`)}
              >
                Restore
              </button>
            )}
            {active && can('patients.update') && (
              <Link to={`/patients/${p.id}/edit`} className={btn.secondary}>
                Edit
              </Link>
            )}
            {active && can('appointments.create') && (
              <Link to={`/appointments?patient=${p.id}`} className={btn.primary}>
                Book appointment
              </Link>
            )}
            {active && can('patients.delete') && (
              <button type="button" className={btn.secondary} onClick={() => setMerging(true)}>
                Merge into…
              </button>
            )}
            {active && can('patients.delete') && (
              <DeleteButton
                what={`patient ${p.name}`}
                className="!px-3.5 !py-2 !text-sm"
                detail={<p>They leave the patient list and search, and their future appointments are cancelled. Their records are kept.</p>}
                onDelete={async () => {
                  if (await run(() => api.patients.remove(p.id), `Deleted patient ${p.name}.`)) navigate('/patients');
                }}
              />
            )}
          </div>
        </div>
      </div>

      {!active && <InactiveNotice patient={p} />}
      {merging && <MergeDialog patient={p} onClose={() => setMerging(false)} />}

      {active && <PatientBanner patient={p} />}

      <section className={`${panel} p-5`} aria-labelledby="profile-title">
        <h3 id="profile-title" className={`${panelTitle} mb-3`}>
          Profile
        </h3>
        <dl className="grid gap-x-6 gap-y-3 text-sm sm:grid-cols-2 lg:grid-cols-3">
          <Item label="Date of birth">
            {formatDate(p.date_of_birth)}
            {years !== null && ` (${years} years)`}
          </Item>
          <Item label="Email">
            {p.email ? (
              <a href={mailtoHref(p.email)} className={`${link} break-all`}>
                {p.email}
              </a>
            ) : (
              '—'
            )}
          </Item>
          <Item label="Phone">
            {p.phone ? (
              <a href={telHref(p.phone)} className={link}>
                {p.phone}
              </a>
            ) : (
              '—'
            )}
          </Item>
          <Item label="Gender">{genderLabel(p.gender)}</Item>
          {can('patients.clinical') && <Item label="Blood group">{p.blood_group || 'Unknown'}</Item>}
          <Item label="Address">
            <span className="whitespace-pre-line">{p.address || '—'}</span>
          </Item>
          <Item label="Medical record number">{p.mrn ?? `#${p.id}`}</Item>
          <Item label="Registered">{formatDateTime(p.created_at)}</Item>
          <Item label="Last updated">{formatDateTime(p.updated_at)}</Item>
        </dl>
      </section>

      {/* A deactivated patient's chart is kept but not shown until they are restored; a merged one's is the survivor's now. */}
      {active && can('chart.read') && <PatientChart patient={p} />}

      {active && (
        <div className={`grid gap-6 ${can('records.read') ? 'lg:grid-cols-2' : ''}`}>
          <PatientAppointments patientId={p.id} />
          {can('records.read') && <PatientRecords patient={p} />}
        </div>
      )}
    </div>
  );
}

/** Says that the patient is deactivated, or merged into another (with a link to them). */
function InactiveNotice({ patient: p }: { patient: Patient }) {
  const survivor = useAsync(
    (signal) => (p.replaced_by ? api.patients.get(p.replaced_by, signal, true) : Promise.resolve(null)),
    [p.replaced_by],
  );
  return (
    <div role="status" className="rounded-md border border-slate-300 bg-slate-100 px-4 py-3 text-sm text-slate-900">
      {p.replaced_by ? (
        <p>
          <span className="font-semibold">Merged into </span>
          <Link to={`/patients/${p.replaced_by}`} className={`${link} font-semibold`}>
            {survivor.data ? `${survivor.data.mrn ?? `#${survivor.data.id}`} · ${survivor.data.name}` : `patient #${p.replaced_by}`}
          </Link>
          {p.deactivated_at && ` on ${formatDateTime(p.deactivated_at)}`}. Their appointments and records are there now; this
          record cannot be edited or booked.
        </p>
      ) : (
        <p>
          <span className="font-semibold">Deactivated</span>
          {p.deactivated_at && ` on ${formatDateTime(p.deactivated_at)}`}: hidden from the patient list and search. Restore the
          patient to book or edit them again.
        </p>
      )}
    </div>
  );
}

function Item({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div>
      <dt className="text-xs font-medium uppercase tracking-wide text-slate-600">{label}</dt>
      <dd className="mt-0.5 text-slate-900">{children}</dd>
    </div>
  );
}

function PatientAppointments({ patientId }: { patientId: number }) {
  const list = useAsync((signal) => api.appointments.list({ patient_id: patientId, limit: 100 }, signal), [patientId]);
  useReloadOnChange(list.reload, (path) => path.startsWith('/api/appointments'));
  const items = [...(list.data?.items ?? [])].sort((a, b) =>
    b.appointment_datetime.localeCompare(a.appointment_datetime),
  );
  return (
    <section className={`${panel} p-5`} aria-labelledby="patient-appointments-title">
      <h3 id="patient-appointments-title" className={`${panelTitle} mb-3`}>
        Appointments
      </h3>
      {list.error ? (
        <ErrorState error={list.error} onRetry={list.reload} />
      ) : !list.data ? (
        <LoadingBlock />
      ) : items.length === 0 ? (
        <EmptyState title="No appointments" />
      ) : (
        <ul className="space-y-3" aria-label="Patient appointments">
          {items.map((a) => (
            <AppointmentCard key={`${a.id}-${a.updated_at}`} appointment={a} hidePatient />
          ))}
        </ul>
      )}
    </section>
  );
}

function PatientRecords({ patient }: { patient: Patient }) {
  const { can } = useSession();
  const [adding, setAdding] = useState(false);
  const records = useAsync((signal) => api.records.forPatient(patient.id, signal), [patient.id]);
  useReloadOnChange(records.reload, (path) => path.startsWith('/api/records'));
  return (
    <section className={`${panel} p-5`} aria-labelledby="patient-records-title">
      <div className="mb-3 flex items-center justify-between gap-3">
        <h3 id="patient-records-title" className={panelTitle}>
          Medical records
        </h3>
        {can('records.create') && !adding && (
          <button type="button" className={`${btn.secondary} ${btn.small}`} onClick={() => setAdding(true)}>
            Add record
          </button>
        )}
      </div>
      {adding && (
        <div className="mb-5 rounded-lg border border-slate-200 bg-slate-50 p-4">
          <RecordForm
            patient={{ id: patient.id, name: patient.name }}
            onSaved={() => setAdding(false)}
            onCancel={() => setAdding(false)}
          />
        </div>
      )}
      {records.error ? (
        <ErrorState error={records.error} onRetry={records.reload} />
      ) : !records.data ? (
        <LoadingBlock />
      ) : (
        <RecordTimeline records={records.data.records} />
      )}
    </section>
  );
}

export function PatientEditPage({ id }: { id: number }) {
  const { can } = useSession();
  const patient = useAsync((signal) => api.patients.get(id, signal), [id]);
  if (patient.error) return <ErrorState error={patient.error} onRetry={patient.reload} />;
  if (!patient.data) return <LoadingBlock label="Loading patient…" />;
  const p = patient.data;
  return (
    <div className="space-y-4">
      <Link to={`/patients/${p.id}`} className={`${link} text-sm`}>
        ← {p.name}
      </Link>
      <section className={`${panel} max-w-3xl p-5`} aria-labelledby="edit-title">
        <h2 id="edit-title" className={`${panelTitle} mb-4`}>
          Edit {p.name}
        </h2>
        <PatientForm
          patient={p}
          clinical={can('patients.clinical')}
          onSaved={(saved) => navigate(`/patients/${saved.id}`)}
          onCancel={() => navigate(`/patients/${p.id}`)}
        />
      </section>
    </div>
  );
}
