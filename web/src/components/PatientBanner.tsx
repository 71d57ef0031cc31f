// The banner on every screen about one patient: who they are and, for those who may read
// the chart, their active allergies — the one thing a doctor must not miss.
import { api, type Patient } from '../api';
import { age, genderLabel } from '../lib/format';
import { useAsync, useReloadOnChange } from '../lib/hooks';
import { useSession } from '../session';
import { outsideCareTeam } from '../screens/Emergency';

export function PatientBanner({ patient: p }: { patient: Patient }) {
  const { can } = useSession();
  const years = age(p.date_of_birth);
  return (
    <section
      aria-label="Patient banner"
      data-testid="patient-banner"
      className="patient-banner flex flex-wrap items-center gap-x-6 gap-y-2 rounded-lg border border-slate-300 bg-white px-4 py-3 shadow-sm"
    >
      <p className="text-lg font-semibold text-slate-900">{p.name}</p>
      <p className="text-sm text-slate-700">
        <span className="font-medium">MRN</span> {p.mrn ?? `#${p.id}`}
      </p>
      <p className="text-sm text-slate-700">
        <span className="font-medium">Age</span> {years ?? '—'}
      </p>
      <p className="text-sm text-slate-700">
        <span className="font-medium">Gender</span> {genderLabel(p.gender)}
      </p>
      {can('chart.read') && <AllergyStrip patientId={p.id} />}
    </section>
  );
}

function AllergyStrip({ patientId }: { patientId: number }) {
  const allergies = useAsync((signal) => api.allergies.forPatient(patientId, signal), [patientId]);
  // Declaring an emergency opens the chart, allergies included.
  useReloadOnChange(allergies.reload, (path) => path.includes('/allergies') || path.endsWith('/emergency-access'));
  if (allergies.error && outsideCareTeam(allergies.error))
    return (
      <p className="text-sm font-medium text-amber-900" data-testid="allergy-status">
        Allergies hidden: not in your care team
      </p>
    );
  if (allergies.error) return <p className="text-sm font-medium text-red-800">Allergies could not be loaded</p>;
  if (!allergies.data) return <p className="text-sm text-slate-600">Allergies…</p>;
  const active = allergies.data.allergies.filter((a) => a.clinical_status === 'active' && !a.no_known_allergies);
  if (active.length === 0) {
    return (
      <p className="text-sm font-medium text-slate-700" data-testid="allergy-status">
        {allergies.data.noKnown ? 'No known allergies' : 'Allergies not recorded'}
      </p>
    );
  }
  return (
    <div className="flex flex-wrap items-center gap-2" role="alert" aria-label="Active allergies" data-testid="allergy-status">
      <span className="text-sm font-semibold uppercase tracking-wide text-red-800">Allergies</span>
      {active.map((a) => (
        <span
          key={a.id}
          className="rounded-full border border-red-300 bg-red-50 px-2.5 py-0.5 text-sm font-semibold text-red-800"
          title={[a.reaction, a.severity, a.criticality && `criticality ${a.criticality}`].filter(Boolean).join(' · ')}
        >
          {a.substance}
          {a.severity ? ` (${a.severity})` : ''}
        </span>
      ))}
    </div>
  );
}
