// One visit: the patient banner, the note (reason, findings, assessment, plan), the vital
// signs, diagnoses and prescriptions taken during it, signing, addenda and a printable
// summary. A signed note is locked; what follows is an addendum.
import { useState } from 'react';
import { api, type Visit, type VisitNote } from '../../api';
import { Badge } from '../../components/Badge';
import { FormError, TextAreaField } from '../../components/Field';
import { PatientBanner } from '../../components/PatientBanner';
import { LoadingBlock } from '../../components/Spinner';
import { ErrorState } from '../../components/States';
import { btn, link, panel, panelTitle } from '../../components/styles';
import { useAction, useFormSubmit } from '../../lib/forms';
import { formatDate, formatDateTime } from '../../lib/format';
import { useAsync, useReloadOnChange } from '../../lib/hooks';
import { Link } from '../../router';
import { useSession } from '../../session';
import { RecordForm } from '../RecordForm';
import { vitalValue, VITAL_LABELS } from './PatientChart';
import { VitalsForm } from './VitalsForm';

const NOTE_FIELDS: { key: keyof VisitNote; label: string }[] = [
  { key: 'reason', label: 'Reason for visit' },
  { key: 'findings', label: 'Findings' },
  { key: 'assessment', label: 'Assessment' },
  { key: 'plan', label: 'Plan' },
];

export function VisitPage({ id }: { id: number }) {
  const visit = useAsync((signal) => api.visits.get(id, signal), [id]);
  useReloadOnChange(visit.reload, (path) => path.startsWith(`/api/visits/${id}`));
  if (visit.error) return <ErrorState error={visit.error} onRetry={visit.reload} />;
  if (!visit.data) return <LoadingBlock label="Loading visit…" />;
  return <VisitDetails visit={visit.data} />;
}

function VisitDetails({ visit: v }: { visit: Visit }) {
  const { can } = useSession();
  const [, run] = useAction();
  const patient = useAsync((signal) => api.patients.get(v.patient_id, signal), [v.patient_id]);
  const locked = v.signed_at !== null;
  return (
    <div className="visit-page space-y-5">
      <div className="flex flex-wrap items-center justify-between gap-3 print:hidden">
        <Link to={`/patients/${v.patient_id}`} className={`${link} text-sm`}>
          ← Patient chart
        </Link>
        <div className="flex gap-2">
          <button type="button" className={btn.secondary} onClick={() => window.print()}>
            Print summary
          </button>
          {can('chart.sign') && !locked && v.status !== 'cancelled' && (
            <button type="button" className={btn.primary} onClick={() => void run(() => api.visits.sign(v.id), 'Signed the visit. Its note is locked.')}>
              Sign visit
            </button>
          )}
        </div>
      </div>
      {patient.data && <PatientBanner patient={patient.data} />}
      <header>
        <h2 className="flex flex-wrap items-center gap-2 text-2xl font-semibold text-slate-900">
          Visit of {formatDateTime(v.started_at)}
          <Badge tone={v.status === 'open' ? 'emerald' : 'slate'}>{v.status}</Badge>
          {locked && <Badge tone="sky">signed {formatDateTime(v.signed_at!)}</Badge>}
          {amended(v) && <Badge tone="amber">amended</Badge>}
        </h2>
      </header>

      <section className={`${panel} p-5`} aria-labelledby="note-title">
        <h3 id="note-title" className={`${panelTitle} mb-3`}>
          Note
        </h3>
        {locked || !can('chart.sign') ? <NoteView visit={v} /> : <NoteForm key={v.version} visit={v} />}
        {(v.addenda?.length ?? 0) > 0 && (
          <div className="mt-4 border-t border-slate-200 pt-3">
            <h4 className="text-sm font-semibold text-slate-900">Addenda</h4>
            <ul className="mt-2 space-y-2 text-sm" aria-label="Addenda">
              {v.addenda!.map((a) => (
                <li key={a.id}>
                  <span className="text-xs text-slate-600">{formatDateTime(a.created_at)}</span>
                  <p className="whitespace-pre-line">{a.text}</p>
                </li>
              ))}
            </ul>
          </div>
        )}
        {locked && can('chart.sign') && <AddendumForm visitId={v.id} />}
        <NoteHistory visit={v} />
      </section>

      <VisitVitals visit={v} />
      <VisitRecords visit={v} patientName={patient.data?.name ?? ''} />
    </div>
  );
}

/** A note is amended once it has more than one version, or addenda after signing. */
export function amended(v: Visit): boolean {
  return v.version > 1 || (v.addenda?.length ?? 0) > 0;
}

/** Who wrote a version: the signed-in user, a doctor by their user, or the user's number. */
function useAuthorName(): (userId: number | null) => string {
  const { user } = useSession();
  const doctors = useAsync((signal) => api.doctors.list(signal), []);
  return (userId) => {
    if (userId === null) return 'unknown';
    if (user && user.id === userId) return `${user.name} (you)`;
    const d = doctors.data?.find((x) => x.user_id === userId);
    return d ? d.name : `user #${userId}`;
  };
}

function NoteHistory({ visit: v }: { visit: Visit }) {
  const [open, setOpen] = useState(false);
  const versions = v.version;
  const addenda = v.addenda?.length ?? 0;
  return (
    <div className="mt-4 border-t border-slate-200 pt-3 print:hidden">
      <button type="button" className={`${btn.quiet} ${btn.small}`} aria-expanded={open} onClick={() => setOpen(!open)}>
        {open ? 'Hide history' : `History (${versions} ${versions === 1 ? 'version' : 'versions'}${addenda > 0 ? `, ${addenda} ${addenda === 1 ? 'addendum' : 'addenda'}` : ''})`}
      </button>
      {open && <NoteVersions id={v.id} version={v.version} addenda={addenda} />}
    </div>
  );
}

function NoteVersions({ id, version, addenda }: { id: number; version: number; addenda: number }) {
  const history = useAsync((signal) => api.visits.history(id, signal), [id, version, addenda]);
  const author = useAuthorName();
  if (history.error) return <ErrorState error={history.error} onRetry={history.reload} />;
  if (!history.data) return <LoadingBlock label="Loading history…" />;
  const entries = [
    ...history.data.versions.map((x) => ({ key: `v${x.version}`, at: x.created_at, by: x.created_by, title: `Version ${x.version}`, body: noteSummary(x) })),
    ...history.data.addenda.map((a, i) => ({ key: `a${a.id}`, at: a.created_at, by: a.created_by, title: `Addendum ${i + 1}`, body: a.text })),
  ];
  return (
    <ol className="mt-2 space-y-2 border-l border-slate-200 pl-3 text-sm" aria-label="Note history">
      {entries.map((e) => (
        <li key={e.key}>
          <p className="text-xs text-slate-600">
            <span className="font-semibold text-slate-900">{e.title}</span> · <time dateTime={e.at}>{formatDateTime(e.at)}</time> · {author(e.by)}
          </p>
          <p className="whitespace-pre-line text-slate-700">{e.body}</p>
        </li>
      ))}
    </ol>
  );
}

function noteSummary(n: VisitNote): string {
  const parts = NOTE_FIELDS.filter((f) => n[f.key]).map((f) => `${f.label}: ${n[f.key]}`);
  return parts.length > 0 ? parts.join('\n') : '(empty note)';
}

function NoteView({ visit: v }: { visit: Visit }) {
  return (
    <dl className="grid gap-3 text-sm sm:grid-cols-2">
      {NOTE_FIELDS.map((f) => (
        <div key={f.key}>
          <dt className="text-xs font-medium uppercase tracking-wide text-slate-600">{f.label}</dt>
          <dd className="mt-0.5 whitespace-pre-line text-slate-900">{v[f.key] || '—'}</dd>
        </div>
      ))}
    </dl>
  );
}

function NoteForm({ visit: v }: { visit: Visit }) {
  const { form, errors, formError, saving, submit, clearError } = useFormSubmit();
  const [values, setValues] = useState<Record<keyof VisitNote, string>>({
    reason: v.reason ?? '',
    findings: v.findings ?? '',
    assessment: v.assessment ?? '',
    plan: v.plan ?? '',
  });
  const [, run] = useAction();
  return (
    <form
      ref={form}
      noValidate
      aria-label="Visit note"
      className="space-y-3"
      onSubmit={(e) =>
        submit(
          e,
          () => ({}),
          async () => {
            const note: Partial<VisitNote> = {};
            for (const f of NOTE_FIELDS) note[f.key] = values[f.key].trim() || null;
            await run(() => api.visits.updateNote(v.id, note), 'Saved the note.');
          },
        )
      }
    >
      <FormError message={formError} />
      <div className="grid gap-3 sm:grid-cols-2">
        {NOTE_FIELDS.map((f) => (
          <TextAreaField
            key={f.key}
            id={`note-${f.key}`}
            label={f.label}
            rows={3}
            value={values[f.key]}
            error={errors[f.key]}
            onChange={(e) => {
              setValues({ ...values, [f.key]: e.target.value });
              clearError(f.key);
            }}
          />
        ))}
      </div>
      <button type="submit" className={btn.primary} disabled={saving}>
        Save note
      </button>
    </form>
  );
}

function AddendumForm({ visitId }: { visitId: number }) {
  const [text, setText] = useState('');
  const [, run] = useAction();
  return (
    <form
      className="mt-4 space-y-2 print:hidden"
      aria-label="Add addendum"
      onSubmit={(e) => {
        e.preventDefault();
        if (text.trim()) void run(() => api.visits.addAddendum(visitId, text.trim()), 'Added the addendum.').then((ok) => ok && setText(''));
      }}
    >
      <TextAreaField id="addendum-text" label="Addendum" rows={2} value={text} onChange={(e) => setText(e.target.value)} />
      <button type="submit" className={btn.secondary}>
        Add addendum
      </button>
    </form>
  );
}

function VisitVitals({ visit: v }: { visit: Visit }) {
  const { can } = useSession();
  const vitals = useAsync((signal) => api.vitals.forPatient(v.patient_id, signal), [v.patient_id]);
  useReloadOnChange(vitals.reload, (path) => path.endsWith('/vitals'));
  const mine = vitals.data?.vitals.filter((x) => x.visit_id === v.id) ?? [];
  return (
    <section className={`${panel} p-5`} aria-labelledby="visit-vitals-title">
      <h3 id="visit-vitals-title" className={`${panelTitle} mb-3`}>
        Vital signs
      </h3>
      {mine.length > 0 && (
        <ul className="mb-4 grid gap-2 text-sm sm:grid-cols-4" aria-label="Vital signs of the visit">
          {mine.map((x) => (
            <li key={x.id}>
              <span className="text-xs uppercase tracking-wide text-slate-600">{VITAL_LABELS[x.kind]}</span>
              <p className="font-semibold">{vitalValue(x)}</p>
            </li>
          ))}
        </ul>
      )}
      {can('chart.nursing') && v.signed_at === null && (
        <div className="print:hidden">
          <VitalsForm patientId={v.patient_id} visitId={v.id} />
        </div>
      )}
    </section>
  );
}

function VisitRecords({ visit: v, patientName }: { visit: Visit; patientName: string }) {
  const { can } = useSession();
  const records = useAsync((signal) => api.records.forPatient(v.patient_id, signal), [v.patient_id]);
  useReloadOnChange(records.reload, (path) => path.startsWith('/api/records'));
  const mine = records.data?.records.filter((r) => r.visit_id === v.id) ?? [];
  return (
    <section className={`${panel} p-5`} aria-labelledby="visit-records-title">
      <h3 id="visit-records-title" className={`${panelTitle} mb-3`}>
        Diagnoses and prescriptions
      </h3>
      {mine.length > 0 && (
        <ul className="mb-4 space-y-2 text-sm" aria-label="Diagnoses of the visit">
          {mine.map((r) => (
            <li key={r.id} className="prescription">
              <p className="font-semibold">{r.diagnosis}</p>
              {r.prescription && (
                <p>
                  <span className="font-medium">Rx:</span> {r.prescription}
                </p>
              )}
              <p className="text-xs text-slate-600">
                {r.doctor_name} · {formatDate(r.record_date)}
              </p>
            </li>
          ))}
        </ul>
      )}
      {can('records.create') && v.signed_at === null && (
        <div className="print:hidden">
          <RecordForm patient={{ id: v.patient_id, name: patientName }} visitId={v.id} />
        </div>
      )}
    </section>
  );
}
