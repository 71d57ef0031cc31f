// The Medical Records tab: choose a patient, add a record, read their records.
import { useEffect, useState } from 'react';
import { api } from '../api';
import { PatientPicker, usePatientParam, type PatientRef } from '../components/PatientPicker';
import { LoadingBlock } from '../components/Spinner';
import { EmptyState, ErrorState } from '../components/States';
import { link, panel, panelTitle } from '../components/styles';
import { useAsync, useReloadOnChange } from '../lib/hooks';
import { Link, navigate, useLocation } from '../router';
import { useSession } from '../session';
import { RecordForm } from './RecordForm';
import { RecordTimeline } from './RecordTimeline';

export function RecordsScreen() {
  const { can } = useSession();
  const { query } = useLocation();
  const fromUrl = usePatientParam(query.get('patient'));
  const [patient, setPatient] = useState<PatientRef | null>(null);

  useEffect(() => {
    if (fromUrl) setPatient(fromUrl);
  }, [fromUrl]);

  function choose(p: PatientRef | null) {
    setPatient(p);
    navigate(p ? `/records?patient=${p.id}` : '/records', { replace: true });
  }

  return (
    <div className={`grid gap-6 ${can('records.create') ? 'lg:grid-cols-[minmax(0,5fr)_minmax(0,7fr)]' : ''}`}>
      {can('records.create') && (
        <section className={`${panel} h-fit p-5`} aria-labelledby="add-record-title">
          <h2 id="add-record-title" className={`${panelTitle} mb-4`}>
            Add medical record
          </h2>
          <RecordForm patient={patient} onPatientChange={choose} />
        </section>
      )}
      <section className={`${panel} p-5`} aria-labelledby="records-title">
        <h2 id="records-title" className={`${panelTitle} mb-4`}>
          {patient ? `Records of ${patient.name}` : 'Patient records'}
        </h2>
        {!can('records.create') && (
          <div className="mb-4 max-w-md">
            <PatientPicker label="Patient" value={patient} onChange={choose} />
          </div>
        )}
        {patient ? (
          <PatientRecordList patient={patient} />
        ) : (
          <EmptyState title="Choose a patient">Search for a patient to read or add their medical records.</EmptyState>
        )}
      </section>
    </div>
  );
}

function PatientRecordList({ patient }: { patient: PatientRef }) {
  const records = useAsync((signal) => api.records.forPatient(patient.id, signal), [patient.id]);
  useReloadOnChange(records.reload, (path) => path.startsWith('/api/records'));
  if (records.error) return <ErrorState error={records.error} onRetry={records.reload} />;
  if (!records.data) return <LoadingBlock label="Loading records…" />;
  return (
    <div className="space-y-4">
      <p className="text-sm">
        <Link to={`/patients/${patient.id}`} className={link}>
          Open {patient.name}’s patient page
        </Link>
      </p>
      <RecordTimeline records={records.data.records} />
    </div>
  );
}
