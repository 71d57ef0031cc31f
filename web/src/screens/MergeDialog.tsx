// Merge a duplicate patient into the one who remains (admins): pick the survivor, see both
// side by side, confirm. The server moves everything in one transaction, or refuses with
// what stands in the way (appointments of both at the same time) and changes nothing.
import { useEffect, useRef, useState } from 'react';
import { api, ApiError, type Patient } from '../api';
import { useNotify } from '../components/Banner';
import { FormError } from '../components/Field';
import { PatientPicker, type PatientRef } from '../components/PatientPicker';
import { btn } from '../components/styles';
import { formatDate, formatDateTime, genderLabel } from '../lib/format';
import { navigate } from '../router';

/** The sentence for a refused merge: each pair of overlapping appointments, when that is why. */
export function explainMergeError(err: unknown): string {
  if (!(err instanceof ApiError)) return 'The patients could not be merged.';
  const conflicts = (err.body?.conflicts ?? []) as { start: string; clash_start: string }[];
  if (err.status === 409 && conflicts.length > 0) {
    const times = conflicts.map((c) => formatDateTime(c.start)).join(', ');
    return `Both patients have appointments at the same time (${times}). Cancel or move one of each pair first; nothing was merged.`;
  }
  const field = Object.entries(err.fields)[0];
  return field ? `${field[0]}: ${field[1]}` : err.message;
}

export function MergeDialog({ patient, onClose }: { patient: Patient; onClose: () => void }) {
  const notify = useNotify();
  const [target, setTarget] = useState<PatientRef | null>(null);
  const [survivor, setSurvivor] = useState<Patient | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const dialog = useRef<HTMLDivElement>(null);

  useEffect(() => {
    setSurvivor(null);
    setError(null);
    if (!target) return;
    if (target.id === patient.id) {
      setError('Choose another patient: a patient cannot be merged into themselves.');
      return;
    }
    const ctrl = new AbortController();
    api.patients.get(target.id, ctrl.signal).then(setSurvivor, (err) => {
      if (!ctrl.signal.aborted) setError(err instanceof Error ? err.message : 'The patient could not be read.');
    });
    return () => ctrl.abort();
  }, [target, patient.id]);

  async function merge() {
    if (!survivor) return;
    setBusy(true);
    setError(null);
    try {
      const res = await api.patients.merge(patient.id, survivor.id);
      const moved = Object.values(res.moved).reduce((a, b) => a + b, 0);
      notify.success(`Merged ${patient.mrn ?? patient.name} into ${survivor.mrn ?? survivor.name}: ${moved} items moved.`);
      onClose();
      navigate(`/patients/${survivor.id}`);
    } catch (err) {
      setError(explainMergeError(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="fixed inset-0 z-40 flex items-start justify-center overflow-y-auto bg-slate-900/50 p-4 sm:items-center" onMouseDown={onClose}>
      <div
        ref={dialog}
        role="dialog"
        aria-modal="true"
        aria-labelledby="merge-title"
        className="w-full max-w-3xl space-y-4 rounded-lg bg-white p-5 shadow-xl"
        onMouseDown={(e) => e.stopPropagation()}
        onKeyDown={(e) => e.key === 'Escape' && onClose()}
      >
        <h2 id="merge-title" className="text-lg font-semibold text-slate-900">
          Merge {patient.name} into another patient
        </h2>
        <p className="text-sm text-slate-700">
          Appointments, records, visits, vitals, allergies and problems move to the patient who remains. This record is
          deactivated and points to them. A merge cannot be undone.
        </p>
        <PatientPicker label="Patient who remains" value={target} onChange={setTarget} />
        <FormError message={error} />
        <div className="grid grid-cols-2 gap-2 sm:gap-3">
          <Side title="This record: deactivated" patient={patient} tone="border-amber-300 bg-amber-50" />
          {survivor ? (
            <Side title="Remains, with everything" patient={survivor} tone="border-emerald-300 bg-emerald-50" />
          ) : (
            <div className="flex items-center justify-center rounded-md border border-dashed border-slate-300 p-4 text-sm text-slate-600">
              Choose the patient who remains.
            </div>
          )}
        </div>
        <div className="flex flex-wrap justify-end gap-2">
          <button type="button" className={btn.secondary} onClick={onClose} disabled={busy}>
            Go back
          </button>
          <button type="button" className={btn.danger} onClick={merge} disabled={!survivor || busy}>
            {busy ? 'Merging…' : survivor ? `Merge into ${survivor.mrn ?? survivor.name}` : 'Merge'}
          </button>
        </div>
      </div>
    </div>
  );
}

function Side({ title, patient: p, tone }: { title: string; patient: Patient; tone: string }) {
  const rows: [string, string][] = [
    ['MRN', p.mrn ?? `#${p.id}`],
    ['Born', formatDate(p.date_of_birth)],
    ['Email', p.email || '—'],
    ['Phone', p.phone || '—'],
    ['Gender', genderLabel(p.gender)],
    ['Registered', formatDateTime(p.created_at)],
  ];
  return (
    <section className={`min-w-0 rounded-md border p-2 text-xs sm:p-3 sm:text-sm ${tone}`} aria-label={title}>
      <h3 className="text-xs font-semibold uppercase tracking-wide text-slate-700">{title}</h3>
      <p className="mt-1 font-semibold text-slate-900">{p.name}</p>
      <dl className="mt-2 grid grid-cols-1 gap-x-3 sm:grid-cols-[auto_1fr] sm:gap-y-1">
        {rows.map(([k, v]) => (
          <div key={k} className="contents">
            <dt className="text-slate-600">{k}</dt>
            <dd className="mb-1 break-all text-slate-900 sm:mb-0">{v}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
