// Record vital signs taken together. The server refuses impossible values (naming the
// field) and stores implausible ones with a warning, shown here for a second look.
import { useState } from 'react';
import { api, type VitalsInput, type VitalWarning } from '../../api';
import { useNotify } from '../../components/Banner';
import { FormError, TextField } from '../../components/Field';
import { btn } from '../../components/styles';
import { useFormSubmit } from '../../lib/forms';

const FIELDS: { key: keyof VitalsInput; label: string; unit: string; step: string }[] = [
  { key: 'systolic', label: 'Systolic', unit: 'mmHg', step: '1' },
  { key: 'diastolic', label: 'Diastolic', unit: 'mmHg', step: '1' },
  { key: 'heart_rate', label: 'Heart rate', unit: '/min', step: '1' },
  { key: 'respiratory_rate', label: 'Respiratory rate', unit: '/min', step: '1' },
  { key: 'temperature', label: 'Temperature', unit: '°C', step: '0.1' },
  { key: 'spo2', label: 'SpO₂', unit: '%', step: '1' },
  { key: 'weight', label: 'Weight', unit: 'kg', step: '0.1' },
  { key: 'height', label: 'Height', unit: 'cm', step: '0.1' },
];

export function VitalsForm({ patientId, visitId, onSaved }: { patientId: number; visitId?: number; onSaved?: () => void }) {
  const notify = useNotify();
  const { form, errors, formError, saving, submit, clearError } = useFormSubmit();
  const [values, setValues] = useState<Record<string, string>>({});
  const [warnings, setWarnings] = useState<VitalWarning[]>([]);

  async function save() {
    const body: VitalsInput = {};
    for (const f of FIELDS) {
      const v = values[f.key]?.trim();
      if (v) (body as Record<string, number>)[f.key] = Number(v);
    }
    if (visitId) body.visit_id = visitId;
    const res = await api.vitals.record(patientId, body);
    setWarnings(res.warnings);
    setValues({});
    notify.success(`Recorded ${res.vitals.length} vital signs.`);
    onSaved?.();
  }

  function validate() {
    const out: Record<string, string> = {};
    const given = FIELDS.filter((f) => values[f.key]?.trim());
    if (given.length === 0) out.systolic = 'Enter at least one measurement.';
    for (const f of given) if (!Number.isFinite(Number(values[f.key]))) out[f.key] = 'Must be a number.';
    return out;
  }

  return (
    <form ref={form} noValidate aria-label="Record vital signs" className="space-y-3" onSubmit={(e) => submit(e, validate, save)}>
      <FormError message={formError} />
      <div className="grid grid-cols-2 gap-3 sm:grid-cols-4">
        {FIELDS.map((f) => (
          <TextField
            key={f.key}
            id={`vital-${f.key}`}
            label={`${f.label} (${f.unit})`}
            inputMode="decimal"
            type="number"
            step={f.step}
            value={values[f.key] ?? ''}
            error={errors[f.key]}
            onChange={(e) => {
              setValues({ ...values, [f.key]: e.target.value });
              clearError(f.key);
            }}
          />
        ))}
      </div>
      {warnings.length > 0 && (
        <div role="status" aria-label="Warnings" className="rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900">
          <ul>
            {warnings.map((w) => (
              <li key={w.field}>
                <span className="font-semibold">{w.field.replace('_', ' ')}:</span> {w.message}
              </li>
            ))}
          </ul>
        </div>
      )}
      <button type="submit" className={btn.primary} disabled={saving}>
        {saving ? 'Saving…' : 'Record vitals'}
      </button>
    </form>
  );
}
