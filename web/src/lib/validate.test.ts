import { beforeEach, describe, expect, it } from 'vitest';
import { addDays, clinicInstant, today } from './format';
import { validateAppointment, validatePatient, validateRecord, validateUser } from './validate';

const good = { name: 'Jane Doe', email: 'jane@example.com', date_of_birth: '1985-04-12', phone: '', blood_group: '', address: '' };

describe('validatePatient', () => {
  it('accepts a complete patient', () => {
    expect(validatePatient(good)).toEqual({});
  });

  it.each([
    ['name', { name: ' ' }, 'Name is required'],
    ['name', { name: 'x'.repeat(101) }, 'must be at most 100 characters'],
    ['email', { email: '' }, 'Email is required'],
    ['email', { email: 'not-an-email' }, 'must be a valid email address'],
    ['date_of_birth', { date_of_birth: '' }, 'Date of birth is required'],
    ['date_of_birth', { date_of_birth: '2023-02-30' }, 'must be a valid date'],
    ['date_of_birth', { date_of_birth: addDays(today(), 1) }, 'cannot be in the future'],
    ['phone', { phone: '1'.repeat(21) }, 'must be at most 20 characters'],
    ['blood_group', { blood_group: 'C+' }, 'must be one of A+ A- B+ B- AB+ AB- O+ O-'],
  ])('rejects a bad %s', (field, change, message) => {
    expect(validatePatient({ ...good, ...change })[field]).toBe(message);
  });
});

describe('validateAppointment', () => {
  let now: Date;
  beforeEach(() => {
    now = clinicInstant('2030-01-07', '12:00'); // noon at the clinic (setup.ts sets its zone)
  });
  const booking = { patient_id: 1, doctor_name: 'Dr. Weber', date: '2030-01-07', time: '13:00', reason: '' };

  it('accepts a future booking', () => {
    expect(validateAppointment(booking, now)).toEqual({});
  });

  it('needs a patient, a doctor, a date and a time', () => {
    expect(validateAppointment({ patient_id: null, doctor_name: '', date: '', time: '', reason: '' }, now)).toEqual({
      patient_id: 'Choose a patient',
      doctor_name: 'Doctor is required',
      date: 'Date is required',
      time: 'Time is required',
    });
  });

  it('refuses the past', () => {
    expect(validateAppointment({ ...booking, time: '11:59' }, now).time).toBe('cannot be in the past');
  });
});

describe('validateRecord', () => {
  it('needs a patient, a diagnosis and a doctor', () => {
    const errors = validateRecord({ patient_id: null, diagnosis: '', doctor_name: '', prescription: '', record_date: '', notes: '' });
    expect(Object.keys(errors).sort()).toEqual(['diagnosis', 'doctor_name', 'patient_id']);
  });
});

describe('validateUser', () => {
  it('applies the password policy the server has', () => {
    const u = { email: 'nurse@clinic.test', name: 'Nurse', role: 'staff', password: 'short' };
    expect(validateUser(u).password).toBe('must be at least 12 characters');
    expect(validateUser({ ...u, password: 'nurse@clinic.test' }).password).toBe('must not be the email address');
    expect(validateUser({ ...u, password: 'a long enough passphrase' })).toEqual({});
  });
});
